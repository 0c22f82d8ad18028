import BerthEngine
import NIOCore

/// Bytes read from a connection handed to an async consumer with
/// back-pressure: when the consumer falls behind, the channel stops reading
/// (autoRead off) until it catches up. Used for streamed request bodies and
/// for the client side of a hijacked connection.
final class InboundByteSource: Sendable {
    typealias Producer = NIOThrowingAsyncSequenceProducer<
        ByteBuffer, any Error, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, Delegate>

    struct Delegate: NIOAsyncSequenceProducerDelegate {
        let channel: any Channel

        func produceMore() {
            channel.eventLoop.execute {
                channel.setOption(ChannelOptions.autoRead, value: true).whenSuccess { channel.read() }
            }
        }

        func didTerminate() {
            // The consumer is gone: keep draining so the connection stays usable.
            channel.eventLoop.execute {
                _ = channel.setOption(ChannelOptions.autoRead, value: true)
            }
        }
    }

    private let source: Producer.Source
    private let channel: any Channel
    /// The consumer's view, as the backends take it.
    let stream: ByteStream

    init(channel: any Channel) {
        self.channel = channel
        let made = Producer.makeSequence(
            backPressureStrategy: .init(lowWatermark: 2, highWatermark: 16),
            finishOnDeinit: false,
            delegate: Delegate(channel: channel))
        source = made.source
        let box = IteratorBox(made.sequence.makeAsyncIterator())
        stream = ByteStream(unfolding: {
            guard var buffer = try await box.next() else { return nil }
            return buffer.readBytes(length: buffer.readableBytes) ?? []
        })
    }

    /// Called on the event loop for each chunk read.
    func yield(_ buffer: ByteBuffer) {
        switch source.yield(contentsOf: CollectionOfOne(buffer)) {
        case .stopProducing:
            _ = channel.setOption(ChannelOptions.autoRead, value: false)
        case .produceMore, .dropped:
            break
        }
    }

    func finish(error: (any Error)? = nil) {
        if let error { source.finish(error) } else { source.finish() }
    }

    /// The iterator is used by one consumer at a time (the stream's own contract).
    private final class IteratorBox: @unchecked Sendable {
        var iterator: Producer.AsyncIterator
        init(_ iterator: Producer.AsyncIterator) { self.iterator = iterator }
        func next() async throws -> ByteBuffer? { try await iterator.next() }
    }
}

/// An empty, finished body for routes that get none.
extension ByteStream {
    static var empty: ByteStream { ByteStream { $0.finish() } }
}
