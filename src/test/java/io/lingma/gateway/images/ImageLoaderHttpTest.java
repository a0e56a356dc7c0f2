package io.lingma.gateway.images;

import io.lingma.gateway.config.TestSettings;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.ImageInput;
import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static io.lingma.gateway.images.ImageTestSupport.privateHosts;
import static io.lingma.gateway.images.ImageTestSupport.turn;
import static io.lingma.gateway.images.ImageTestSupport.urlOnly;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** http(s) images against a local server on 127.0.0.1 (client-api.md §9.6, §16 vector 134). */
class ImageLoaderHttpTest {

    private static final byte[] PNG = ImageTestSupport.png(8, 8);

    private final CountDownLatch release = new CountDownLatch(1);
    private HttpServer server;
    private ExecutorService executor;
    private String base;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        server.createContext("/x.png", ex -> send(ex, 200, "image/png", PNG, true));
        server.createContext("/page", ex -> send(ex, 200, "text/html; charset=utf-8", "<html>".getBytes(), true));
        server.createContext("/big-chunked", ex -> send(ex, 200, "image/png", new byte[4096], false));
        server.createContext("/big-length", ex -> send(ex, 200, "image/png", new byte[4096], true));
        server.createContext("/missing", ex -> send(ex, 404, "text/plain", "no".getBytes(), true));
        server.createContext("/to-private", ex -> redirect(ex, "http://10.0.0.1/x.png"));
        server.createContext("/r/", ex -> {
            int left = Integer.parseInt(ex.getRequestURI().getPath().substring(3));
            if (left == 0) {
                send(ex, 200, "image/png", PNG, true);
            } else {
                redirect(ex, "/r/" + (left - 1));
            }
        });
        server.createContext("/slow", ex -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.close();
        });
        executor = Executors.newCachedThreadPool();
        server.setExecutor(executor);
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
        executor.shutdownNow();
    }

    @Test
    void vector134PrivateHostBlocked() throws Exception {
        try (ImageLoader loader = new ImageLoader(TestSettings.images())) {
            assertThatThrownBy(() -> loader.resolve(turn("hi", urlOnly("http://127.0.0.1/x.png"))))
                    .isInstanceOfSatisfying(GatewayException.class,
                            e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_REQUEST))
                    .hasMessage("could not load image: private host blocked");
            assertThatThrownBy(() -> loader.resolve(turn("hi", urlOnly("http://[::1]/x.png"))))
                    .hasMessage("could not load image: private host blocked");
            assertThatThrownBy(() -> loader.resolve(turn("hi", urlOnly("https://169.254.169.254/latest/meta-data"))))
                    .hasMessage("could not load image: private host blocked");
        }
    }

    @Test
    void hostNameResolvingToLoopbackIsBlocked() throws Exception {
        try (ImageLoader loader = new ImageLoader(TestSettings.images())) {
            String url = "http://localhost:" + server.getAddress().getPort() + "/x.png";
            assertThatThrownBy(() -> loader.resolve(turn("hi", urlOnly(url))))
                    .hasMessage("could not load image: private host blocked");
        }
    }

    @Test
    void pngIsFetchedAndTheUrlKept() throws Exception {
        try (ImageLoader loader = new ImageLoader(privateHosts(Duration.ofSeconds(10), 20L << 20))) {
            ChatTurn in = turn("what is this", urlOnly(base + "/x.png"));
            ImageInput image = loader.resolve(in).messages().get(0).images().get(0);

            assertThat(image.mediaType()).isEqualTo("image/png");
            assertThat(Base64.getDecoder().decode(image.base64Data())).isEqualTo(PNG);
            assertThat(image.url()).isEqualTo(base + "/x.png");
        }
    }

    @Test
    void nonImageContentTypeIsRejected() throws Exception {
        try (ImageLoader loader = new ImageLoader(privateHosts(Duration.ofSeconds(10), 20L << 20))) {
            assertThatThrownBy(() -> loader.resolve(turn("hi", urlOnly(base + "/page"))))
                    .hasMessage("could not load image: unsupported content type text/html");
        }
    }

    @Test
    void errorStatusIsRejected() throws Exception {
        try (ImageLoader loader = new ImageLoader(privateHosts(Duration.ofSeconds(10), 20L << 20))) {
            assertThatThrownBy(() -> loader.resolve(turn("hi", urlOnly(base + "/missing"))))
                    .hasMessage("could not load image: HTTP status 404");
        }
    }

    @Test
    void bodyOverTheCapIsRejected() throws Exception {
        try (ImageLoader loader = new ImageLoader(privateHosts(Duration.ofSeconds(10), 1024))) {
            assertThatThrownBy(() -> loader.resolve(turn("hi", urlOnly(base + "/big-chunked"))))
                    .hasMessage("could not load image: image larger than 1024 bytes");
            assertThatThrownBy(() -> loader.resolve(turn("hi", urlOnly(base + "/big-length"))))
                    .hasMessage("could not load image: image larger than 1024 bytes");
        }
    }

    @Test
    void threeRedirectsAreFollowedAndFourAreRejected() throws Exception {
        try (ImageLoader loader = new ImageLoader(privateHosts(Duration.ofSeconds(10), 20L << 20))) {
            ImageInput image = loader.resolve(turn("hi", urlOnly(base + "/r/3"))).messages().get(0).images().get(0);
            assertThat(Base64.getDecoder().decode(image.base64Data())).isEqualTo(PNG);

            assertThatThrownBy(() -> loader.resolve(turn("hi", urlOnly(base + "/r/4"))))
                    .hasMessage("could not load image: too many redirects");
        }
    }

    @Test
    void redirectFromAnAllowedHostToAPrivateHostIsRejected() throws Exception {
        InetAddress testServer = InetAddress.getByName("127.0.0.1");
        // the test server stands in for a public host; every other private address keeps the real rule
        try (ImageLoader loader = new ImageLoader(TestSettings.images(),
                a -> !a.equals(testServer) && PrivateHostGuard.isPrivate(a))) {
            assertThat(loader.resolve(turn("hi", urlOnly(base + "/x.png"))).messages().get(0).images().get(0)
                    .base64Data()).isNotEmpty();

            assertThatThrownBy(() -> loader.resolve(turn("hi", urlOnly(base + "/to-private"))))
                    .hasMessage("could not load image: private host blocked");
        }
    }

    @Test
    void silentServerTimesOut() throws Exception {
        try (ImageLoader loader = new ImageLoader(privateHosts(Duration.ofMillis(300), 20L << 20))) {
            assertThatThrownBy(() -> loader.resolve(turn("hi", urlOnly(base + "/slow"))))
                    .hasMessage("could not load image: timed out");
        }
    }

    @Test
    void reasonNeverNamesTheUrl() throws Exception {
        String secretUrl = base + "/missing?token=s3cr3t";
        try (ImageLoader loader = new ImageLoader(privateHosts(Duration.ofSeconds(10), 20L << 20))) {
            assertThatThrownBy(() -> loader.resolve(turn("a private prompt", urlOnly(secretUrl))))
                    .message().doesNotContain("s3cr3t", "127.0.0.1", "private prompt");
        }
    }

    private static void redirect(HttpExchange ex, String location) throws IOException {
        ex.getResponseHeaders().set("Location", location);
        ex.sendResponseHeaders(302, -1);
        ex.close();
    }

    private static void send(HttpExchange ex, int status, String contentType, byte[] body, boolean withLength)
            throws IOException {
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(status, withLength ? body.length : 0);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        } catch (IOException e) {
            // the client may hang up once it has seen enough (body over the cap)
        }
        ex.close();
    }
}
