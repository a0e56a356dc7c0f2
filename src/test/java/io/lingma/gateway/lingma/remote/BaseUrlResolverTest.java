package io.lingma.gateway.lingma.remote;

import io.lingma.gateway.config.TestSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** lingma-remote.md §2: resolution order, the §2.4 log-line fixtures, JSON hints, ranking, §2.5 diagnosis. */
class BaseUrlResolverTest {

    private static final String TENANT = "https://ai-lingma-example-cn-beijing.rdc.aliyuncs.com";

    @TempDir
    Path home;

    private BaseUrlResolver resolver(RemoteSettings settings, Map<String, String> env) {
        return new BaseUrlResolver(settings, home, env, Clock.fixed(Instant.parse("2026-05-06T12:00:00Z"),
                ZoneOffset.UTC));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "2026-04-10 INFO Update endpoint success. endpoint config: https://ai-lingma-example-cn-beijing.rdc.aliyuncs.com",
            "2026-04-30 [info] [Marketplace] Using service url: https://ai-lingma-example-cn-beijing.rdc.aliyuncs.com/marketplace/_apis/public/gallery",
            "2026-05-06T12:00:00 endpoint=https://ai-lingma-example-cn-beijing.rdc.aliyuncs.com/algo/api/v2/model/list"})
    void section24LogLinesResolveToTheTenant(String line) {
        assertThat(BaseUrlResolver.extractHint(line)).contains(TENANT);
        String withAsset = line + "\n2026-05-06 Download asset from: "
                + "https://lingma-ide.oss-rg-china-mainland.aliyuncs.com/x/y.zip\n";
        assertThat(BaseUrlResolver.extractHint(withAsset)).contains(TENANT);
    }

    @Test
    void section24OssAssetHostAloneIsRejected() {
        assertThat(BaseUrlResolver.extractHint(
                "Download asset from: https://lingma-ide.oss-rg-china-mainland.aliyuncs.com/a")).isEmpty();
        assertThat(BaseUrlResolver.normalize("ttps://lingma.alibabacloud.com/x?y")).contains(
                "https://lingma.alibabacloud.com");
        assertThat(BaseUrlResolver.normalize("https://evil.example.com/lingma")).isEmpty();
    }

    @Test
    void section24JsonHintsUseDocumentOrderAndTheAllowList() {
        String json = "{\"a\":{\"endpointUrl\":\"https://lingma-ide.oss-rg-china-mainland.aliyuncs.com/x\"},"
                + "\"baseUrl\":\"https://lingma-api.tongyi.aliyun.com/algo\",\"domain\":\"" + TENANT + "\"}";
        assertThat(BaseUrlResolver.extractHint(json)).contains("https://lingma-api.tongyi.aliyun.com");
    }

    @Test
    void explicitThenEnvThenScanThenDefault() throws Exception {
        assertThat(resolver(TestSettings.remote().toBuilder().baseUrl("http://127.0.0.1:9/").build(), Map.of()).resolve())
                .isEqualTo(new ResolvedBaseUrl("http://127.0.0.1:9", "explicit config"));
        assertThat(resolver(TestSettings.remote(), Map.of("LINGMA_REMOTE_BASE_URL", "http://x:1")).resolve())
                .isEqualTo(new ResolvedBaseUrl("http://x:1", "env LINGMA_REMOTE_BASE_URL"));
        assertThat(resolver(TestSettings.remote(), Map.of()).resolve())
                .isEqualTo(new ResolvedBaseUrl(BaseUrlResolver.DEFAULT_BASE_URL, "default"));

        Path config = home.resolve(".lingma/extension/server/config.json");
        Files.createDirectories(config.getParent());
        Files.writeString(config, "{\"serverUrl\":\"https://lingma-api.tongyi.aliyun.com\"}");
        Path log = home.resolve(".qodercn/logs/20260506T120000/window1/renderer.log");
        Files.createDirectories(log.getParent());
        Files.writeString(log, "2026-04-10 INFO endpoint config: " + TENANT + "\n");
        Files.setLastModifiedTime(log.getParent().getParent(), FileTime.from(Instant.now()));

        var candidates = resolver(TestSettings.remote(), Map.of()).candidates();
        assertThat(candidates).extracting(ResolvedBaseUrl::url).containsExactly(TENANT,
                "https://lingma-api.tongyi.aliyun.com", BaseUrlResolver.DEFAULT_BASE_URL);
        assertThat(candidates.get(0).source()).isEqualTo(log.toString());
        assertThat(candidates.get(1).source()).isEqualTo(config.toString());
    }

    @Test
    void rememberedUrlComesFirstAndWrongHostDiagnosisNamesHostAndSource() {
        BaseUrlResolver resolver = resolver(TestSettings.remote(), Map.of());
        resolver.remember(TENANT + "/");
        ResolvedBaseUrl first = resolver.resolve();
        assertThat(first.url()).isEqualTo(TENANT);
        assertThat(first.source()).startsWith("remembered (");
        assertThat(BaseUrlResolver.rank(TENANT)).isEqualTo(100);
        assertThat(BaseUrlResolver.rank("https://lingma-api.tongyi.aliyun.com")).isEqualTo(10);
        assertThat(BaseUrlResolver.isWrongHostResponse(404, "")).isTrue();
        assertThat(BaseUrlResolver.isWrongHostResponse(403, "<Error><Code>NoSuchKey</Code></Error>")).isTrue();
        assertThat(BaseUrlResolver.wrongHostDiagnosis(new ResolvedBaseUrl("https://h.rdc.aliyuncs.com",
                "/tmp/renderer.log"), 404)).contains("https://h.rdc.aliyuncs.com", "/tmp/renderer.log",
                "gateway.remote.base-url");
    }
}
