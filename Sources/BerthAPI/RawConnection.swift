import BerthEngine
import NIOCore

/// A connection after hijack: client bytes feed `input` until the client
/// half-closes (stdin EOF, docker's `CloseWrite`) or disconnects; output is
/// framed by `StdCopy` when multiplexed.
final class RawConnection: HijackedConnection {
    private let channel: any Channel
    private let multiplexed: Bool
    let input: ByteStream

    init(channel: any Channel, multiplexed: Bool, input: ByteStream) {
        self.channel = channel
        self.multiplexed = multiplexed
        self.input = input
    }

    func write(_ bytes: [UInt8], stream: StdStream) async throws {
        guard !bytes.isEmpty else { return }
        let buffer = multiplexed ? StdCopy.frame(bytes, stream: stream) : ByteBuffer(bytes: bytes)
        try await channel.writeAndFlush(buffer).get()
    }

    func close() async {
        try? await channel.close()
    }
}

/// The last handler of a hijacked pipeline: raw bytes in.
final class RawInboundHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let source: InboundByteSource

    init(source: InboundByteSource) {
        self.source = source
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        source.yield(unwrapInboundIn(data))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            source.finish()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        source.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        source.finish(error: error)
        context.close(promise: nil)
    }
}
