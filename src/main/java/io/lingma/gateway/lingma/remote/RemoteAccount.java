package io.lingma.gateway.lingma.remote;

import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One Lingma login on the remote API: its credential (lingma-remote.md §3), the base URL it talks to (§2) and its
 * last error, for {@code /health}. Every attempt of a request runs on one account.
 */
public class RemoteAccount {

    private static final Logger LOG = LoggerFactory.getLogger(RemoteAccount.class);

    private final RemoteSettings settings;
    private final BaseUrlResolver baseUrls;
    private final RemoteCredentialLoader credentials;
    private final AtomicReference<ResolvedBaseUrl> baseUrl = new AtomicReference<>();
    private volatile String lastError;

    /**
     * @param settings    remote settings ({@code gateway.remote.expiry-margin})
     * @param baseUrls    base-URL resolution (§2)
     * @param credentials credential loading (§3)
     */
    public RemoteAccount(RemoteSettings settings, BaseUrlResolver baseUrls, RemoteCredentialLoader credentials) {
        this.settings = settings;
        this.baseUrls = baseUrls;
        this.credentials = credentials;
    }

    /**
     * @return the account's current credential
     * @throws GatewayException 503 when it is missing, unreadable or expired
     */
    public RemoteCredential credential() {
        try {
            return credentials.load();
        } catch (RemoteCredentialException e) {
            lastError = e.getMessage();
            throw new GatewayException(ErrorKind.BACKEND_UNAVAILABLE, e.getMessage(), e);
        }
    }

    /**
     * @return the base URL, resolved once and kept until a wrong-host answer ({@link #forgetBaseUrl()})
     * @throws GatewayException 503 when no base URL answers
     */
    public ResolvedBaseUrl baseUrl() {
        ResolvedBaseUrl url = baseUrl.get();
        if (url == null) {
            url = baseUrls.resolve();
            baseUrl.set(url);
            LOG.info("Lingma remote base URL {} (from {})", url.url(), url.source());
        }
        return url;
    }

    /** The next request resolves the base URL again (after the remote API said it is the wrong host). */
    public void forgetBaseUrl() {
        baseUrl.set(null);
    }

    /** @param message what last went wrong with this account, or null once it answered again */
    public void lastError(String message) {
        lastError = message;
    }

    /**
     * Adds the account's part of {@code /health}: transport, base URL and its source, the credential's source,
     * masked ids and expiry, and the last error. Never a secret.
     *
     * @param state the status map to fill
     */
    public void describe(Map<String, Object> state) {
        try {
            ResolvedBaseUrl url = baseUrl();
            state.put("transport", url.url().startsWith("http:") ? "http" : "https");
            state.put("base_url", url.url());
            state.put("base_url_source", url.source());
        } catch (GatewayException e) {
            state.put("base_url", null);
        }
        try {
            RemoteCredential c = credentials.load();
            state.put("credential_source", c.source());
            state.put("user_id", c.maskedUserId());
            state.put("machine_id", c.maskedMachineId());
            state.put("token_expire_time", c.expireTimeMillis() > 0 ? c.expireTimeMillis() : null);
            state.put("expired", c.expired(Instant.now(), settings.expiryMargin()));
        } catch (RemoteCredentialException e) {
            state.put("credential_error", e.getMessage());
        }
    }

    /** @return the last error, or null */
    public String lastError() {
        return lastError;
    }
}
