package io.lingma.gateway.auth;

import io.lingma.gateway.chat.ResolvedModel;
import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Tier rules, credential headers and the model allowlist (issue 9 §1, client-api.md §2.2). */
class ApiKeyAuthenticatorTest {

    private final ApiKeyStore keys = new ApiKeyStore("ci:sk-ci", null, 0);

    @Test
    void pathsMapToTiers() {
        assertThat(AccessTier.forPath("/v1/chat/completions")).isEqualTo(AccessTier.API);
        assertThat(AccessTier.forPath("/v1/models/{model}")).isEqualTo(AccessTier.API);
        assertThat(AccessTier.forPath("/api/v1/responses")).isEqualTo(AccessTier.API);
        assertThat(AccessTier.forPath("/responses")).isEqualTo(AccessTier.API);
        assertThat(AccessTier.forPath("/internal/stats")).isEqualTo(AccessTier.ADMIN);
        assertThat(AccessTier.forPath("internal")).isEqualTo(AccessTier.ADMIN);
        for (String open : List.of("/", "", "/health", "/healthz", "/version", "/internalx", "/v1x")) {
            assertThat(AccessTier.forPath(open)).as(open).isEqualTo(AccessTier.OPEN);
        }
    }

    @Test
    void tiersWithoutTheirOwnTokenTakeTheApiKeys() {
        ApiKeyAuthenticator auth = new ApiKeyAuthenticator(keys, new KeyRateLimiter(), "", " ");
        for (AccessTier tier : List.of(AccessTier.API, AccessTier.ADMIN, AccessTier.METRICS)) {
            assertThat(auth.check(tier, "sk-ci").name()).as(tier.name()).isEqualTo("ci");
            assertThatThrownBy(() -> auth.check(tier, "sk-other")).as(tier.name())
                    .isInstanceOfSatisfying(GatewayException.class, e -> {
                        assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_API_KEY);
                        assertThat(e.getMessage()).isEqualTo(ApiKeyAuthenticator.INVALID_KEY);
                    });
        }
        assertThat(auth.check(AccessTier.OPEN, null)).isSameAs(ApiKey.ANONYMOUS);
    }

    @Test
    void aTiersOwnTokenIsTheOnlyCredentialOfThatTier() {
        ApiKeyAuthenticator auth = new ApiKeyAuthenticator(keys, new KeyRateLimiter(), "adm", "met");
        assertThat(auth.check(AccessTier.ADMIN, "adm").name()).isEqualTo("admin");
        assertThat(auth.check(AccessTier.METRICS, "met").name()).isEqualTo("metrics");
        for (String wrong : new String[]{"sk-ci", "met", "", null, "adm "}) {
            assertThatThrownBy(() -> auth.check(AccessTier.ADMIN, wrong)).hasMessage("Invalid admin token");
        }
        assertThatThrownBy(() -> auth.check(AccessTier.METRICS, "adm")).hasMessage("Invalid metrics token");
        assertThatThrownBy(() -> auth.check(AccessTier.API, "adm")).hasMessage(ApiKeyAuthenticator.INVALID_KEY);
    }

    @Test
    void withoutAnyKeyEveryTierWithoutATokenIsAnonymous() {
        ApiKeyAuthenticator auth = new ApiKeyAuthenticator(new ApiKeyStore("", null, 0), new KeyRateLimiter(),
                "adm", "");
        assertThat(auth.keysConfigured()).isFalse();
        assertThat(auth.check(AccessTier.API, null)).isSameAs(ApiKey.ANONYMOUS);
        assertThat(auth.check(AccessTier.METRICS, "whatever")).isSameAs(ApiKey.ANONYMOUS);
        assertThatThrownBy(() -> auth.check(AccessTier.ADMIN, null)).hasMessage("Invalid admin token");
    }

    @Test
    void bearerOrXApiKeyWithTheApisOwnHeaderFirst() {
        assertThat(ApiKeyAuthenticator.presentedKey("Bearer a", "b", false)).isEqualTo("a");
        assertThat(ApiKeyAuthenticator.presentedKey("Bearer a", "b", true)).isEqualTo("b");
        assertThat(ApiKeyAuthenticator.presentedKey("bearer  a ", null, true)).isEqualTo("a");
        assertThat(ApiKeyAuthenticator.presentedKey(null, " b ", false)).isEqualTo("b");
        assertThat(ApiKeyAuthenticator.presentedKey("Basic a", null, false)).isNull();
        assertThat(ApiKeyAuthenticator.presentedKey("Bearer", "", false)).isNull();
        assertThat(ApiKeyAuthenticator.presentedKey("a", null, false)).isNull();
    }

    @Test
    void aKeysModelListAdmitsItsModelsByKeyDisplayNameOrGlob() {
        ApiKeyAuthenticator auth = new ApiKeyAuthenticator(keys, new KeyRateLimiter(), "", "");
        ApiKey scoped = new ApiKey("scoped", new byte[32], List.of("kmodel", "Qwen3-*"), 0);
        ResolvedModel kmodel = new ResolvedModel("kmodel", "Kimi", "kmodel", false);
        ResolvedModel qwen = new ResolvedModel("dashscope_qwen3_coder", "Qwen3-Coder", "dashscope_qwen3_coder", false);
        ResolvedModel other = new ResolvedModel("mmodel", "MiniMax", "MiniMax", false);
        auth.authorizeModel(scoped, kmodel);
        auth.authorizeModel(scoped, qwen);
        auth.authorizeModel(ApiKey.ANONYMOUS, other);
        auth.authorizeModel(null, other);
        assertThatThrownBy(() -> auth.authorizeModel(scoped, other))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ErrorKind.FORBIDDEN);
                    assertThat(e.param()).isEqualTo("model");
                    assertThat(e.getMessage()).isEqualTo("This API key may not use the model 'MiniMax'");
                });
    }
}
