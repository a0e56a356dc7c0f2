package io.lingma.gateway.deploy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The gateway started as an operator (or the container image) starts it: {@code bin/lingma-gateway} run by
 * {@code /bin/sh}, with this JVM and the test class path, its output in {@code target/}.
 */
final class Launcher {

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1).build();

    private Launcher() {
    }

    /**
     * @param name log file name part
     * @param args gateway arguments ({@code --key=value})
     * @return the running process (the launcher exec's the JVM, so this is the JVM)
     */
    static Process start(String name, String... args) throws IOException {
        return start(name, Path.of(""), args);
    }

    /**
     * @param name    log file name part
     * @param workdir the gateway's working directory (where it reads application.properties and routes/)
     * @param args    gateway arguments ({@code --key=value})
     * @return the running process
     */
    static Process start(String name, Path workdir, String... args) throws IOException {
        return start(name, workdir, java.util.Map.of(), args);
    }

    /**
     * @param name    log file name part
     * @param workdir the gateway's working directory (where it reads application.properties and routes/)
     * @param env     extra environment variables
     * @param args    gateway arguments ({@code --key=value})
     * @return the running process
     */
    static Process start(String name, Path workdir, java.util.Map<String, String> env, String... args)
            throws IOException {
        List<String> command = new ArrayList<>(List.of("/bin/sh",
                Path.of("bin", "lingma-gateway").toAbsolutePath().toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .directory(workdir.toAbsolutePath().toFile()).redirectOutput(log(name).toAbsolutePath().toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().put("LINGMA_GATEWAY_CLASSPATH", System.getProperty("java.class.path"));
        builder.environment().putAll(env);
        return builder.start();
    }

    static Path log(String name) {
        return Path.of("target", "launcher-" + name + ".log");
    }

    static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }

    /**
     * @param url     what to get
     * @param headers name, value, name, value…
     * @return the response, or null when the gateway did not answer (not up yet, or gone)
     */
    static HttpResponse<String> get(String url, String... headers) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
            for (int i = 0; i + 1 < headers.length; i += 2) {
                request.header(headers[i], headers[i + 1]);
            }
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static HttpResponse<String> post(String url, String json) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    static int status(String url) {
        HttpResponse<String> r = get(url);
        return r == null ? -1 : r.statusCode();
    }

    /** SIGTERM, then SIGKILL if it is still there after {@code grace}. */
    static void stop(Process process, Duration grace) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
