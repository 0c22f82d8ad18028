import BerthEngine
import NIOCore

/// docker's multiplexed stream format (moby's pkg/stdcopy): each frame is an
/// 8-byte header — stream type, three zero bytes, big-endian payload size —
/// followed by the payload. Used for logs, attach and exec without a TTY.
enum StdCopy {
    static let multiplexedContentType = "application/vnd.docker.multiplexed-stream"
    static let rawContentType = "application/vnd.docker.raw-stream"

    static func frame(_ bytes: [UInt8], stream: StdStream, into buffer: inout ByteBuffer) {
        buffer.reserveCapacity(minimumWritableBytes: 8 + bytes.count)
        buffer.writeInteger(stream.rawValue)
        buffer.writeBytes([0, 0, 0])
        buffer.writeInteger(UInt32(bytes.count), endianness: .big)
        buffer.writeBytes(bytes)
    }

    static func frame(_ bytes: [UInt8], stream: StdStream) -> ByteBuffer {
        var buffer = ByteBuffer()
        frame(bytes, stream: stream, into: &buffer)
        return buffer
    }
}
