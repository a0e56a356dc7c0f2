package io.lingma.gateway.auth;

import io.lingma.gateway.api.RequestContext;
import io.lingma.gateway.chat.ApiProtocol;
import io.lingma.gateway.chat.ResolvedModel;
import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;
import io.lingma.gateway.http.GatewayExchange;
import io.lingma.gateway.service.ModelCatalog;
import io.vertx.core.http.HttpServerRequest;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Handler;
import org.apache.camel.component.platform.http.vertx.HttpMessage;
import org.apache.camel.component.platform.http.PlatformHttpEndpoint;

import java.nio.charset.StandardCharsets;

/**
 * The authentication step of every REST route and the model check of the chat route (issue 9 §1,
 * client-api.md §2.2). Keys come as {@code Authorization: Bearer <key>} or {@code x-api-key: <key>} (Anthropic
 * routes try {@code x-api-key} first). Whatever is wrong with a key (missing, unknown, revoked, malformed header)
 * the answer is the same 401 body after the same work. The admin and metrics tiers take their own token when one is
 * set, else any API key; with no API key configured at all every tier is open, which the start-up check allows
 * only on loopback unless {@code gateway.auth.allow-anonymous=true}.
 */
public class ApiKeyAuthenticator {

    /** The one 401 message of the API tier, whatever was wrong. */
    public static final String INVALID_KEY = "Incorrect API key provided. Send a key of this gateway as "
            + "'Authorization: Bearer <key>' or 'x-api-key: <key>'.";
    private static final String BEARER = "bearer ";

    private final ApiKeyStore keys;
    private final KeyRateLimiter rates;
    private final ApiKey adminToken;
    private final ApiKey metricsToken;

    /**
     * @param keys         the API keys
     * @param rates        the per-key request rates
     * @param adminToken   {@code gateway.auth.admin-token}; empty = the API keys
     * @param metricsToken {@code gateway.auth.metrics-token}; empty = the API keys
     */
    public ApiKeyAuthenticator(ApiKeyStore keys, KeyRateLimiter rates, String adminToken, String metricsToken) {
        this.keys = keys;
        this.rates = rates;
        this.adminToken = token("admin", adminToken);
        this.metricsToken = token("metrics", metricsToken);
    }

    private static ApiKey token(String name, String value) {
        return value == null || value.isBlank() ? null : new ApiKey(name,
                ApiKeyStore.sha256(value.trim().getBytes(StandardCharsets.UTF_8)), java.util.List.of(), 0);
    }

    /** @return whether any API key is configured (else the gateway runs anonymous) */
    public boolean keysConfigured() {
        return keys.configured();
    }

    /**
     * The {@code authenticate} step (routes/gateway-errors.camel.yaml): checks the caller of the route's tier
     * ({@link AccessTier#forPath}), takes a rate permit of its key, and records the key's name on the request
     * context (for logs and caches) and the key as {@link GatewayExchange#API_KEY}. Reads the credentials from the
     * Vert.x request, since the message headers were dropped at the start of the request.
     *
     * @param exchange a REST exchange after {@code begin-request}
     * @throws GatewayException 401 for a missing or wrong key or token; 429 with {@code Retry-After} when the key
     *                          is over its rate
     */
    @Handler
    public void authenticate(Exchange exchange) {
        AccessTier tier = AccessTier.forPath(routePath(exchange));
        if (tier == AccessTier.OPEN) {
            return;
        }
        HttpServerRequest request = exchange.getIn(HttpMessage.class).getRequest();
        ApiProtocol protocol = exchange.getProperty(GatewayExchange.PROTOCOL, ApiProtocol.OPENAI_CHAT,
                ApiProtocol.class);
        ApiKey caller = check(tier, presentedKey(request.getHeader("Authorization"),
                request.getHeader("x-api-key"), protocol.anthropic()));
        // named before the rate check, so a 429 is logged under the key's name too
        exchange.setProperty(GatewayExchange.API_KEY, caller);
        RequestContext context = exchange.getProperty(GatewayExchange.REQUEST_CONTEXT, RequestContext.class);
        if (context != null) {
            exchange.setProperty(GatewayExchange.REQUEST_CONTEXT,
                    new RequestContext(context.requestId(), caller.name(), context.settings()));
        }
        if (tier == AccessTier.API) {
            long wait = rates.acquire(caller);
            if (wait > 0) {
                throw new GatewayException(ErrorKind.RATE_LIMITED, "Rate limit of " + caller.requestsPerMinute()
                        + " requests per minute reached for this API key; retry in " + wait + "s", null,
                        (int) Math.min(Integer.MAX_VALUE, wait), null);
            }
        }
    }

    /**
     * Checks a presented credential against a tier.
     *
     * @param tier      the tier of the endpoint
     * @param presented the key or token the client sent; null for none
     * @return the caller: a configured key, the tier's token (named {@code admin} / {@code metrics}), or
     * {@link ApiKey#ANONYMOUS} when no key is configured
     * @throws GatewayException 401 {@code invalid_api_key} / {@code authentication_error}
     */
    public ApiKey check(AccessTier tier, String presented) {
        ApiKey token = tier == AccessTier.ADMIN ? adminToken : tier == AccessTier.METRICS ? metricsToken : null;
        if (token != null) {
            boolean given = presented != null && !presented.isBlank();
            boolean right = token.matches(ApiKeyStore.sha256((given ? presented : "")
                    .getBytes(StandardCharsets.UTF_8)));
            if (!(given && right)) {
                throw new GatewayException(ErrorKind.INVALID_API_KEY, "Invalid " + token.name() + " token");
            }
            return token;
        }
        if (tier == AccessTier.OPEN || !keys.configured()) {
            return ApiKey.ANONYMOUS;
        }
        ApiKey hit = keys.find(presented);
        if (hit == null) {
            throw new GatewayException(ErrorKind.INVALID_API_KEY, INVALID_KEY);
        }
        return hit;
    }

    /**
     * The {@code authorize-model} step of the chat route: the key's model allowlist against the resolved model
     * (its Lingma key, display name or public id; globs allowed).
     *
     * @param caller the authenticated key (null or without a list: every model)
     * @param model  the model the turn would run on
     * @throws GatewayException 403 when the key may not use that model
     */
    public void authorizeModel(@ExchangeProperty(GatewayExchange.API_KEY) ApiKey caller,
                               @ExchangeProperty(GatewayExchange.MODEL) ResolvedModel model) {
        if (caller == null || caller.models().isEmpty() || model == null) {
            return;
        }
        for (String allowed : caller.models()) {
            if (ModelCatalog.matches(allowed, model.key()) || ModelCatalog.matches(allowed, model.displayName())
                    || ModelCatalog.matches(allowed, model.publicId())) {
                return;
            }
        }
        throw new GatewayException(ErrorKind.FORBIDDEN, "This API key may not use the model '" + model.publicId()
                + "'", "model", null, null);
    }

    /**
     * @param authorization   the {@code Authorization} header, or null
     * @param apiKey          the {@code x-api-key} header, or null
     * @param apiKeyHeaderFirst true on Anthropic routes, whose SDKs send {@code x-api-key}
     * @return the presented key, or null when neither header carries one
     */
    static String presentedKey(String authorization, String apiKey, boolean apiKeyHeaderFirst) {
        String bearer = authorization != null && authorization.length() > BEARER.length()
                && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())
                ? authorization.substring(BEARER.length()).trim() : null;
        String header = apiKey == null || apiKey.isBlank() ? null : apiKey.trim();
        return apiKeyHeaderFirst ? (header != null ? header : bearer) : (bearer != null ? bearer : header);
    }

    /**
     * @return the path template of the route the exchange came in on ({@code /v1/models/{model}}), which is what
     * Vert.x matched after removing dot segments, so {@code /v1/../internal/x} counts as {@code /internal/x}
     */
    private static String routePath(Exchange exchange) {
        if (exchange.getFromEndpoint() instanceof PlatformHttpEndpoint http) {
            return http.getPath();
        }
        // not an HTTP route: never guess open
        return "/v1";
    }
}
