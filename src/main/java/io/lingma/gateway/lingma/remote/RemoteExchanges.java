package io.lingma.gateway.lingma.remote;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.support.DefaultExchange;

import java.time.Duration;

/**
 * Puts a signed remote request on a fresh exchange for the {@code lingma-remote-*} HTTP routes, and classifies what
 * those routes throw (lingma-remote.md §8.3). The exchange is the gateway's own, not the client's: the routes' error
 * handling then leaves failures to the caller instead of answering the HTTP client.
 */
public class RemoteExchanges {

    private final CamelContext camel;
    private final RemoteSettings settings;

    /**
     * @param camel    the Camel context
     * @param settings remote settings (connect and model-list timeouts)
     */
    public RemoteExchanges(CamelContext camel, RemoteSettings settings) {
        this.camel = camel;
        this.settings = settings;
    }

    /** @return an empty exchange of the gateway's own (no HTTP client behind it) */
    public Exchange empty() {
        return new DefaultExchange(camel);
    }

    /**
     * @param request     the signed request
     * @param readTimeout socket and response timeout of the call
     * @return the exchange the HTTP routes read ({@code lingmaRemoteUrl}, {@code lingma*TimeoutMs}, body, query)
     */
    public Exchange forRequest(RemoteHttpRequest request, Duration readTimeout) {
        Exchange exchange = empty();
        exchange.getMessage().setBody(request.body());
        // the signed headers stay off the message (Camel logs message headers); RemoteHttpTransport sends them
        exchange.setProperty(RemoteHttpTransport.REQUEST, request);
        // the query travels in CamelHttpQuery: a URL with its own query would mangle the camel-http options
        int q = request.url().indexOf('?');
        exchange.setProperty("lingmaRemoteUrl", q < 0 ? request.url() : request.url().substring(0, q));
        if (q >= 0) {
            exchange.getMessage().setHeader(Exchange.HTTP_QUERY, request.url().substring(q + 1));
        }
        exchange.setProperty("lingmaConnectTimeoutMs", settings.connectTimeout().toMillis());
        exchange.setProperty("lingmaIdleTimeoutMs", readTimeout.toMillis());
        exchange.setProperty("lingmaModelsTimeoutMs", settings.modelsTimeout().toMillis());
        return exchange;
    }

    /**
     * @param e    what an HTTP route threw
     * @param base the base URL called (named in "unreachable" messages)
     * @return the failure it stands for: the route's own {@link RemoteFailure}, a timeout, unreachable or I/O error
     */
    public static RemoteFailure classify(Throwable e, String base) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RemoteFailure f) {
                return f;
            }
            if (t instanceof java.net.SocketTimeoutException) {
                return RemoteFailure.timeout("response", t);
            }
            if (t instanceof java.net.ConnectException || t instanceof java.net.UnknownHostException) {
                return RemoteFailure.unreachable(base, t);
            }
            if (t instanceof java.io.IOException) {
                return RemoteFailure.ioError("calling Lingma", t);
            }
        }
        return RemoteFailure.ioError("calling Lingma", e);
    }
}
