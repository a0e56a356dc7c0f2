package io.lingma.gateway.http;

/** Names of the exchange properties the gateway's routes and beans share. */
public final class GatewayExchange {

    /** {@link io.lingma.gateway.chat.ApiProtocol} of the request, set before anything can fail. */
    public static final String PROTOCOL = "gatewayProtocol";
    /** {@link io.lingma.gateway.api.RequestContext} of the request. */
    public static final String REQUEST_CONTEXT = "gatewayRequestContext";
    /** The Vert.x {@code HttpServerResponse}, captured early because EIPs may replace the message. */
    public static final String HTTP_RESPONSE = "gatewayHttpResponse";
    /** The Vert.x {@code HttpVersion} of the request (HTTP/1.0 streams are close-delimited). */
    public static final String HTTP_VERSION = "gatewayHttpVersion";
    /** The normalised {@link io.lingma.gateway.chat.ChatTurn}. */
    public static final String TURN = "gatewayTurn";
    /** The {@link io.lingma.gateway.chat.ResolvedModel} the turn runs on. */
    public static final String MODEL = "gatewayModel";
    /** Set to true once a client disconnect was seen. */
    public static final String CLIENT_GONE = "gatewayClientGone";
    /** The caller's {@link io.lingma.gateway.auth.ApiKey}, set by the {@code authenticate} step. */
    public static final String API_KEY = "gatewayApiKey";
    /** The request's {@link io.lingma.gateway.observe.RequestStats} (access log and metrics, issue 9 §2, §4). */
    public static final String STATS = "gatewayRequestStats";

    /** The {@link io.lingma.gateway.chat.ChatResult} of a finished turn (streamed or not), for statistics. */
    public static final String RESULT = "gatewayResult";

    private GatewayExchange() {
    }
}
