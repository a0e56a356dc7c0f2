package io.lingma.gateway.simulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingma.gateway.simulator.wire.LspFrames;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One accepted WebSocket: inbound LSP framing, JSON-RPC classification and validation (the methods themselves are
 * {@link AcpMethods}, lingma-ipc.md §10.4), server→client requests, and outbound framing per §10.3. Every method runs on the connection's event-loop context (handlers, turn timers and
 * cross-connection hops all land there), so plain fields are safe; shared state lives in {@link SimulatorState}.
 */
final class SimulatorConnection {

    private static final Logger LOG = LoggerFactory.getLogger(SimulatorConnection.class);

    /** Inbound frame cap; the same default as the gateway's {@code gateway.ipc.max-frame-bytes} (§4.1). */
    static final int MAX_FRAME_BYTES = 64 * 1024 * 1024;
    /** Simulator version reported in {@code serverInfo}. */
    static final String VERSION = "0.7.1-simulator";

    static final int METHOD_NOT_FOUND = -32601;
    static final int INVALID_PARAMS = -32602;
    static final int PARSE_ERROR = -32700;
    static final int INVALID_REQUEST = -32600;
    /** Unknown session (QSWITCH's code, §5.11; the real code is not recorded). */
    static final int SESSION_NOT_FOUND = -32001;
    /** Go decode error text Lingma answers for omitted or array params (OPENCLI, §4.4). */
    static final String GO_EMPTY_REQUEST_ERROR =
            "json: cannot unmarshal array into Go value of type definition.EmptyRequest";

    private final String label;
    private final ServerWebSocket ws;
    private final Context context;
    private final SimulatorState state;
    private final Map<String, SimulatorState.ServerRequestRecord> pendingServerRequests = new ConcurrentHashMap<>();
    private final LspFrames.Reader frameReader = new LspFrames.Reader(MAX_FRAME_BYTES);
    private final AcpMethods methods;
    private boolean closed;

    SimulatorConnection(String label, ServerWebSocket ws, Context context, SimulatorState state) {
        this.label = label;
        this.ws = ws;
        this.context = context;
        this.state = state;
        this.methods = new AcpMethods(this);
    }

    /** Wires the socket handlers; call once from the connection's context. */
    void open() {
        ws.textMessageHandler(text -> onData(text.getBytes(StandardCharsets.UTF_8)));
        ws.binaryMessageHandler(buffer -> onData(buffer.getBytes()));
        ws.exceptionHandler(e -> LOG.debug("lingma-simulator {} socket error: {}", label, e.toString()));
        ws.closeHandler(v -> onClosed());
    }

    String label() {
        return label;
    }

    Context context() {
        return context;
    }

    SimulatorState state() {
        return state;
    }

    /** Closes the socket from any thread; running turns stop without further output. */
    void close(short code, String reason) {
        context.runOnContext(v -> {
            if (!closed && !ws.isClosed()) {
                ws.close(code, reason);
            }
            onClosed();
        });
    }

    private void onClosed() {
        if (closed) {
            return;
        }
        closed = true;
        state.connections.remove(this);
        methods.abortTurns();
        LOG.debug("lingma-simulator {} closed", label);
    }

    boolean isClosed() {
        return closed || ws.isClosed();
    }

    void turnEnded(SimulatedTurn turn) {
        methods.turnEnded(turn);
    }

    // ---------------------------------------------------------------- inbound

    private void onData(byte[] data) {
        if (frameReader.idle() && startsLikeJson(data)) {
            malformed("bare JSON without a Content-Length header");
            return;
        }
        List<byte[]> frames;
        try {
            frames = frameReader.feed(data);
        } catch (LspFrames.MalformedFrameException e) {
            // the reader has dropped the unusable bytes and starts over, so the connection stays testable
            malformed(e.getMessage());
            return;
        }
        for (byte[] frame : frames) {
            handleFrame(frame);
        }
    }

    private static boolean startsLikeJson(byte[] data) {
        for (byte b : data) {
            if (b == ' ' || b == '\t' || b == '\r' || b == '\n') {
                continue;
            }
            return b == '{' || b == '[';
        }
        return false;
    }

    private void malformed(String detail) {
        state.violation(label, "malformed frame: " + detail);
        sendError(NullNode.getInstance(), PARSE_ERROR, "Unknown message header");
    }

    private void handleFrame(byte[] frame) {
        JsonNode message;
        try {
            message = state.mapper.readTree(frame);
        } catch (IOException e) {
            state.violation(label, "body is not JSON");
            sendError(NullNode.getInstance(), PARSE_ERROR, "Parse error");
            return;
        }
        if (message == null || !message.isObject()) {
            state.violation(label, "message is not a JSON object (batches are not supported)");
            sendError(NullNode.getInstance(), INVALID_REQUEST, "Invalid Request");
            return;
        }
        if (!"2.0".equals(message.path("jsonrpc").asText(null))) {
            state.violation(label, "missing or wrong \"jsonrpc\":\"2.0\"");
        }
        JsonNode id = message.get("id");
        JsonNode method = message.get("method");
        if (method != null && method.isTextual()) {
            if (id == null) {
                onNotification(method.asText(), message.get("params"));
            } else {
                onRequest(id, method.asText(), message.get("params"));
            }
        } else if (id != null && (message.has("result") || message.has("error"))) {
            onResponse(id, message);
        } else {
            state.violation(label, "neither a request, a notification nor a response");
            sendError(id == null ? NullNode.getInstance() : id, INVALID_REQUEST, "Invalid Request");
        }
    }

    private void onResponse(JsonNode id, JsonNode message) {
        SimulatorState.ServerRequestRecord record = pendingServerRequests.remove(idKey(id));
        if (record == null) {
            state.violation(label, "response to unknown server request id " + id);
            return;
        }
        record.response = message.toString();
        state.serverRequestsAnswered.incrementAndGet();
    }

    private void onNotification(String method, JsonNode params) {
        if (params == null || !params.isObject()) {
            state.violation(label, method + " notification with " + (params == null ? "omitted" : "non-object")
                    + " params");
        }
        switch (method) {
            case "session/cancel" -> methods.cancel(params);
            case "initialized" -> state.violation(label, "sent 'initialized' (Lingma does not expect it, §5.1)");
            default -> LOG.debug("lingma-simulator {} ignores notification {}", label, method);
        }
    }

    private void onRequest(JsonNode id, String method, JsonNode params) {
        if (id.isTextual()) {
            state.violation(label, "string request id \"" + id.asText() + "\" (clients must use integers, §4.4)");
        } else if (!id.isIntegralNumber()) {
            state.violation(label, "request id " + id + " is neither an integer nor a string");
        }
        if (!methods.initialized() && !method.equals("initialize")) {
            state.violation(label, method + " before initialize");
        }
        if (!AcpMethods.isKnown(method)) {
            if (method.equals("initialized")) {
                state.violation(label, "sent 'initialized' (Lingma does not expect it, §5.1)");
            }
            sendError(id, METHOD_NOT_FOUND, "method not found: " + method);
            return;
        }
        if (params == null || !params.isObject()) {
            state.violation(label, method + " with " + (params == null ? "omitted" : "non-object") + " params");
            sendError(id, INVALID_PARAMS, GO_EMPTY_REQUEST_ERROR);
            return;
        }
        long delay = state.methodDelays.getOrDefault(method, 0L);
        if (delay > 0) {
            // slow-setup emulation (§10.6): answer later from a timer, never by blocking the loop
            state.vertx.setTimer(delay, t -> call(id, method, (ObjectNode) params));
        } else {
            call(id, method, (ObjectNode) params);
        }
    }

    private void call(JsonNode id, String method, ObjectNode params) {
        if (!closed) {
            methods.call(id, method, params);
        }
    }

    // ---------------------------------------------------------------- outbound

    /**
     * Registers a scripted server→client request so its answer can be matched (§4.4).
     *
     * @return the request message
     */
    ObjectNode serverRequest(Scenario.ServerRequest spec, String sessionId, String requestId) {
        Object rawId = spec.id() != null ? spec.id() : state.nextServerRequestId.incrementAndGet();
        JsonNode id = rawId instanceof String s ? JsonNodeFactory.instance.textNode(s)
                : JsonNodeFactory.instance.numberNode(((Number) rawId).longValue());
        ObjectNode message = state.mapper.createObjectNode().put("jsonrpc", "2.0");
        message.set("id", id);
        message.put("method", spec.method());
        if (spec.params() != null) {
            message.set("params", state.mapper.valueToTree(spec.params()));
        } else {
            message.putObject("params").put("sessionId", sessionId);
        }
        SimulatorState.ServerRequestRecord record =
                new SimulatorState.ServerRequestRecord(spec.method(), rawId, sessionId, requestId);
        pendingServerRequests.put(idKey(id), record);
        state.serverRequests.add(record);
        state.serverRequestsSent.incrementAndGet();
        return message;
    }

    /** The id's JSON type is part of the key: {@code 7} and {@code "7"} are different requests. */
    private static String idKey(JsonNode id) {
        return (id.isTextual() ? "s:" : "n:") + id.asText();
    }

    ObjectNode notification(String method, ObjectNode params) {
        ObjectNode message = state.mapper.createObjectNode().put("jsonrpc", "2.0").put("method", method);
        message.set("params", params);
        return message;
    }

    ObjectNode result(JsonNode id, JsonNode result) {
        ObjectNode message = state.mapper.createObjectNode().put("jsonrpc", "2.0");
        message.set("id", id);
        message.set("result", result);
        return message;
    }

    /** Answers a request with a result, one text message. */
    void sendResult(JsonNode id, JsonNode result) {
        send(result(id, result), Scenario.Framing.TEXT);
    }

    /** Answers a request (or a broken message, id null) with a JSON-RPC error, one text message. */
    void sendError(JsonNode id, int code, String message) {
        ObjectNode response = state.mapper.createObjectNode().put("jsonrpc", "2.0");
        response.set("id", id);
        response.putObject("error").put("code", code).put("message", message);
        send(response, Scenario.Framing.TEXT);
    }

    void send(ObjectNode message, Scenario.Framing framing) {
        send(List.of(message), framing);
    }

    /**
     * Writes messages as LSP frames packed into WebSocket messages per {@code framing} (§4.3, §10.3).
     *
     * @param messages JSON-RPC messages in order
     * @param framing  TEXT/BINARY: one frame per message; PACKED: pairs of frames per message; SPLIT: each frame cut
     *                 across two messages
     */
    void send(List<ObjectNode> messages, Scenario.Framing framing) {
        if (isClosed() || messages.isEmpty()) {
            return;
        }
        List<byte[]> frames = new ArrayList<>(messages.size());
        for (ObjectNode message : messages) {
            try {
                frames.add(LspFrames.frame(state.mapper.writeValueAsBytes(message)));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("cannot serialise " + message, e);
            }
        }
        switch (framing) {
            case TEXT -> frames.forEach(f -> writeText(f));
            case BINARY -> frames.forEach(f -> ws.writeBinaryMessage(Buffer.buffer(f)));
            case PACKED -> {
                for (int i = 0; i < frames.size(); i += 2) {
                    Buffer packed = Buffer.buffer(frames.get(i));
                    if (i + 1 < frames.size()) {
                        packed.appendBytes(frames.get(i + 1));
                    }
                    writeText(packed.getBytes());
                }
            }
            case SPLIT -> frames.forEach(this::writeSplit);
        }
    }

    private void writeText(byte[] frame) {
        ws.writeTextMessage(new String(frame, StandardCharsets.UTF_8));
    }

    private void writeSplit(byte[] frame) {
        int cut = splitPoint(frame);
        byte[] head = Arrays.copyOfRange(frame, 0, cut);
        byte[] tail = Arrays.copyOfRange(frame, cut, frame.length);
        if (isContinuationByte(frame[cut])) {
            // a text message must be valid UTF-8, so halves of one character can only travel as binary messages
            ws.writeBinaryMessage(Buffer.buffer(head));
            ws.writeBinaryMessage(Buffer.buffer(tail));
        } else {
            writeText(head);
            writeText(tail);
        }
    }

    /** @return the index of the first UTF-8 continuation byte, else the middle of the frame (always 1..len-1) */
    static int splitPoint(byte[] frame) {
        for (int i = 1; i < frame.length; i++) {
            if (isContinuationByte(frame[i])) {
                return i;
            }
        }
        return Math.max(1, frame.length / 2);
    }

    private static boolean isContinuationByte(byte b) {
        return (b & 0xC0) == 0x80;
    }
}
