import Vapor

/// What every live page's event stream shares (the 销控 board, the call centre's wallboard): headers no
/// proxy buffers or caches, and its updates merged with a heartbeat, on which a stream that outlives
/// its request checks that its session and right still hold.
enum ServerSentEvents {
    enum Item<Value: Sendable>: Sendable { case value(Value), heartbeat }

    /// A `text/event-stream` response whose body `stream` writes.
    static func response(_ stream: @escaping @Sendable (any AsyncBodyStreamWriter) async throws -> Void) -> Response {
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "text/event-stream; charset=utf-8")
        headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        headers.replaceOrAdd(name: "X-Accel-Buffering", value: "no")
        let response = Response(status: .ok, headers: headers)
        response.body = .init(asyncStream: stream)
        return response
    }

    /// `values` and a heartbeat every 15 s (a comment keeps proxies from closing the stream and notices a
    /// gone client), newest `buffering` kept for a slow viewer; both feeders stop when `body` returns.
    static func withHeartbeat<Value: Sendable>(_ values: AsyncStream<Value>, buffering: Int,
                                               _ body: (AsyncStream<Item<Value>>) async throws -> Void) async throws {
        let (merged, sink) = AsyncStream<Item<Value>>.makeStream(bufferingPolicy: .bufferingNewest(buffering))
        let forward = Task {
            for await v in values { sink.yield(.value(v)) }
            sink.finish()
        }
        let beat = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(15))
                sink.yield(.heartbeat)
            }
        }
        defer { forward.cancel(); beat.cancel() }
        try await body(merged)
    }
}
