package io.lingma.gateway.lingma.ipc;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A JSON-RPC error response {@code {"code":int,"message":string,"data"?:any}} (lingma-ipc.md §4.4, §5.11). Code,
 * message and data are all kept.
 */
public class JsonRpcException extends RuntimeException {

    /** JSON-RPC "method not found". */
    public static final int METHOD_NOT_FOUND = -32601;

    private final String method;
    private final int code;
    private final String rpcMessage;
    private final transient JsonNode data;

    /**
     * @param method  the request method that failed
     * @param code    the error code
     * @param message the error message (may be empty)
     * @param data    the optional {@code data} member, or null
     */
    public JsonRpcException(String method, int code, String message, JsonNode data) {
        super("Lingma IPC " + method + " failed: " + message + " (code " + code + ")");
        this.method = method;
        this.code = code;
        this.rpcMessage = message == null ? "" : message;
        this.data = data;
    }

    /** @return the request method */
    public String method() {
        return method;
    }

    /** @return the JSON-RPC error code */
    public int code() {
        return code;
    }

    /** @return the upstream error message as sent */
    public String rpcMessage() {
        return rpcMessage;
    }

    /** @return the {@code data} member, or null */
    public JsonNode data() {
        return data;
    }
}
