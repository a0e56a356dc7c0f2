package io.lingma.gateway.images;

import io.lingma.gateway.api.ImageSources;
import io.lingma.gateway.chat.ChatMessage;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.ImageInput;
import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;
import io.lingma.gateway.http.GatewayExchange;
import org.apache.camel.ExchangeProperty;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Loads and normalises the images of a {@link ChatTurn} (client-api.md §9.6) so every image the backends see carries
 * {@code base64Data}:
 * <ul>
 *   <li>{@code http(s)} URLs are fetched with one shared Apache HttpClient 5: connect and read timeout
 *       {@link ImageSettings#fetchTimeout()}, at most {@link ImageSettings#maxRedirects()} redirects (followed here so
 *       every hop is re-checked), response {@code Content-Type} {@code image/*}, body capped at
 *       {@link ImageSettings#maxBytes()}; hosts resolving to private addresses are refused
 *       ({@link PrivateHostGuard}) unless {@link ImageSettings#allowPrivateHosts()}. The original URL stays in
 *       {@code url} (the IPC backend sends it as {@code extra.imageUrl});</li>
 *   <li>{@code file://}, {@code ~/} and absolute paths are read only when {@link ImageSettings#allowLocalFiles()}
 *       and the real path (symlinks and {@code ..} resolved) is inside {@link ImageSettings#localDirs()}; media type
 *       by extension (png/gif/webp/bmp, otherwise jpeg);</li>
 *   <li>images that already carry data are kept;</li>
 * </ul>
 * then every image goes through {@link ImageNormalizer}. A failed load either rejects the request (400
 * {@code could not load image: <reason>}) or drops the image with a warning ({@link ImageSettings#onError()}).
 * Reasons never name the URL, path, host or prompt. Blocking I/O: call it on a worker thread. Thread-safe; close it
 * once at shutdown.
 */
public final class ImageLoader implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ImageLoader.class);

    private final ImageSettings settings;
    private final PrivateHostGuard guard;
    private final ImageNormalizer normalizer;
    private final Set<Path> lexicalDirs;
    private final List<Path> realDirs;
    private final CloseableHttpClient client;

    /**
     * @param settings the loading and normalisation settings; the HTTP client is created here
     */
    public ImageLoader(ImageSettings settings) {
        this(settings, settings.allowPrivateHosts() ? address -> false : PrivateHostGuard::isPrivate);
    }

    /**
     * @param settings the settings
     * @param refused  the address rule (tests stand in a rule that lets their 127.0.0.1 server count as public)
     */
    ImageLoader(ImageSettings settings, Predicate<InetAddress> refused) {
        this.settings = settings;
        this.guard = new PrivateHostGuard(refused);
        this.normalizer = new ImageNormalizer(settings);
        this.lexicalDirs = new LinkedHashSet<>();
        this.realDirs = new ArrayList<>();
        for (Path dir : settings.localDirs()) {
            Path abs = dir.toAbsolutePath().normalize();
            lexicalDirs.add(abs);
            try {
                Path real = abs.toRealPath();
                lexicalDirs.add(real);
                realDirs.add(real);
            } catch (IOException e) {
                // a missing directory cannot contain a readable file; keeping it out of realDirs refuses its paths
                LOG.warn("gateway.images.local-dirs entry does not exist: {}", abs);
            }
        }
        Timeout timeout = Timeout.of(settings.fetchTimeout());
        this.client = HttpClients.custom()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setDnsResolver(guard)
                        .setDefaultConnectionConfig(ConnectionConfig.custom()
                                .setConnectTimeout(timeout).setSocketTimeout(timeout).build())
                        .setMaxConnTotal(32).setMaxConnPerRoute(8)
                        .build())
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setConnectionRequestTimeout(timeout).setResponseTimeout(timeout)
                        .setRedirectsEnabled(false).build())
                .disableRedirectHandling()
                .disableAutomaticRetries()
                .disableCookieManagement()
                .disableAuthCaching()
                .disableContentCompression()
                .evictIdleConnections(TimeValue.ofSeconds(30))
                .setUserAgent("lingma-gateway")
                .build();
    }

    /**
     * Loads and normalises every image of every message.
     *
     * @param turn the normalised request; images may carry only a {@code url}
     * @return {@code turn} itself when no image needed loading or normalisation; otherwise a copy whose images all
     * carry {@code base64Data} (failed images removed in {@code drop} mode)
     * @throws GatewayException 400 {@link ErrorKind#INVALID_REQUEST} {@code could not load image: <reason>} when an
     *                          image cannot be loaded and {@code gateway.images.on-error=reject}
     */
    public ChatTurn resolve(@ExchangeProperty(GatewayExchange.TURN) ChatTurn turn) {
        List<ChatMessage> messages = turn.messages();
        List<ChatMessage> out = null;
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage message = messages.get(i);
            List<ImageInput> images = resolveImages(turn.requestId(), i, message.images());
            if (images != message.images()) {
                if (out == null) {
                    out = new ArrayList<>(messages);
                }
                out.set(i, new ChatMessage(message.role(), message.text(), message.flatText(), images,
                        message.toolCallId(), message.toolName(), message.error(), message.toolCalls()));
            }
        }
        if (out == null) {
            return turn;
        }
        return new ChatTurn(turn.requestId(), turn.protocol(), turn.requestedModel(), turn.system(), out,
                turn.tools(), turn.toolChoice(), turn.parallelToolCalls(), turn.reasoningEffort(), turn.stream(),
                turn.includeUsage(), turn.temperature(), turn.maxTokens(), turn.stop(), turn.user(),
                turn.apiKeyScope());
    }

    /**
     * Checks the images of a turn that is counted, not run (count_tokens, client-api.md §7), without any I/O, so it
     * is refused where {@link #resolve} would refuse it before fetching: an http(s) URL whose host is an IP literal
     * or {@code localhost} name the private-host rule refuses. Names that need a lookup are not checked.
     *
     * @param turn the normalised request
     * @throws GatewayException 400 {@code could not load image: private host blocked} when
     *                          {@code gateway.images.on-error=reject} (in {@code drop} mode the image would only be
     *                          dropped, so nothing is refused)
     */
    public void checkWithoutLoading(@ExchangeProperty(GatewayExchange.TURN) ChatTurn turn) {
        if (settings.onError() != ImageSettings.OnError.REJECT) {
            return;
        }
        for (ChatMessage message : turn.messages()) {
            for (ImageInput image : message.images()) {
                if (image.base64Data() == null || image.base64Data().isEmpty()) {
                    checkHostWithoutLookup(image.url());
                }
            }
        }
    }

    private void checkHostWithoutLookup(String url) {
        try {
            URI uri = parseHttpUri(url == null ? "" : url.trim(), "not http");
            if (guard.refusesWithoutLookup(uri.getHost())) {
                throw new GatewayException(ErrorKind.INVALID_REQUEST, "could not load image: private host blocked");
            }
        } catch (LoadFailure notHttp) {
            // local paths and other sources are judged when loaded, which count_tokens never does
        }
    }

    /** @return {@code images} itself when nothing changed, else the new list */
    private List<ImageInput> resolveImages(String requestId, int messageIndex, List<ImageInput> images) {
        List<ImageInput> out = null;
        for (int j = 0; j < images.size(); j++) {
            ImageInput image = images.get(j);
            ImageInput result;
            try {
                result = normalizer.normalize(load(image));
            } catch (LoadFailure e) {
                if (settings.onError() == ImageSettings.OnError.REJECT) {
                    throw new GatewayException(ErrorKind.INVALID_REQUEST, "could not load image: " + e.getMessage(),
                            e.getCause());
                }
                LOG.warn("request {}: dropped image {} of message {}: {}", requestId, j, messageIndex,
                        e.getMessage());
                result = null;
            }
            if (result != image && out == null) {
                out = new ArrayList<>(images.subList(0, j));
            }
            if (out != null && result != null) {
                out.add(result);
            }
        }
        return out == null ? images : out;
    }

    private ImageInput load(ImageInput image) throws LoadFailure {
        if (image.base64Data() != null && !image.base64Data().isEmpty()) {
            return image;
        }
        String url = image.url() == null ? "" : image.url().trim();
        String lower = url.toLowerCase(Locale.ROOT);
        if (lower.startsWith("http://") || lower.startsWith("https://")) {
            return fetch(url);
        }
        if (lower.startsWith("file:") || url.startsWith("~/") || isAbsolutePath(url)) {
            return readLocal(url);
        }
        throw new LoadFailure(url.isEmpty() ? "image has no data" : "unsupported image source");
    }

    // ---- http(s) --------------------------------------------------------------------------------------------

    private ImageInput fetch(String url) throws LoadFailure {
        URI uri = parseHttpUri(url, "invalid image URL");
        for (int redirects = 0; ; redirects++) {
            checkHost(uri);
            HttpGet get = new HttpGet(uri);
            get.setHeader(HttpHeaders.ACCEPT, "image/*");
            try (ClassicHttpResponse response = client.executeOpen(null, get, null)) {
                int code = response.getCode();
                if (code == 301 || code == 302 || code == 303 || code == 307 || code == 308) {
                    if (redirects >= settings.maxRedirects()) {
                        throw new LoadFailure("too many redirects");
                    }
                    uri = redirectTarget(uri, response.getFirstHeader(HttpHeaders.LOCATION));
                    continue;
                }
                if (code < 200 || code >= 300) {
                    throw new LoadFailure("HTTP status " + code);
                }
                return new ImageInput(imageMediaType(response.getEntity()),
                        Base64.getEncoder().encodeToString(readBody(response.getEntity())), url);
            } catch (PrivateHostGuard.RefusedHostException e) {
                throw new LoadFailure("private host blocked", e);
            } catch (UnknownHostException e) {
                throw new LoadFailure("host not found", e);
            } catch (SocketTimeoutException e) {
                throw new LoadFailure("timed out", e);
            } catch (IOException e) {
                throw new LoadFailure("fetch failed", e);
            }
        }
    }

    // checked before each hop for a clear reason; the guard inside the client re-checks the address it connects to
    private void checkHost(URI uri) throws LoadFailure {
        try {
            guard.resolve(uri.getHost());
        } catch (PrivateHostGuard.RefusedHostException e) {
            throw new LoadFailure("private host blocked", e);
        } catch (UnknownHostException e) {
            throw new LoadFailure("host not found", e);
        }
    }

    private static URI redirectTarget(URI current, Header location) throws LoadFailure {
        if (location == null || location.getValue() == null || location.getValue().isBlank()) {
            throw new LoadFailure("redirect without Location");
        }
        URI target;
        try {
            target = current.resolve(new URI(location.getValue().trim()));
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new LoadFailure("invalid redirect", e);
        }
        return parseHttpUri(target.toString(), "redirect to a non-http URL");
    }

    private static URI parseHttpUri(String url, String reason) throws LoadFailure {
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
                throw new LoadFailure(reason);
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new LoadFailure(reason, e);
        }
    }

    private static String imageMediaType(HttpEntity entity) throws LoadFailure {
        String contentType = entity == null || entity.getContentType() == null ? "" : entity.getContentType();
        int semicolon = contentType.indexOf(';');
        String mediaType = (semicolon < 0 ? contentType : contentType.substring(0, semicolon))
                .trim().toLowerCase(Locale.ROOT);
        if (!mediaType.matches("image/[a-z0-9.+-]+")) {
            // the server's value is echoed to the client, so only a short well-formed token is shown
            String shown = mediaType.matches("[a-z0-9.+-]{1,40}/[a-z0-9.+-]{1,60}") ? mediaType : "invalid";
            throw new LoadFailure("unsupported content type " + (mediaType.isEmpty() ? "(none)" : shown));
        }
        return mediaType.equals("image/jpg") ? "image/jpeg" : mediaType;
    }

    private byte[] readBody(HttpEntity entity) throws IOException, LoadFailure {
        if (entity == null) {
            throw new LoadFailure("empty response");
        }
        if (entity.getContentLength() > settings.maxBytes()) {
            throw tooLarge();
        }
        try (InputStream in = entity.getContent()) {
            return readCapped(in);
        }
    }

    // ---- local files ----------------------------------------------------------------------------------------

    private ImageInput readLocal(String url) throws LoadFailure {
        if (!settings.allowLocalFiles()) {
            throw new LoadFailure("local image files are disabled");
        }
        Path path = localPath(url);
        // the lexical check first, so a missing file outside the allowed directories reads as "outside", not absent
        if (lexicalDirs.stream().noneMatch(path::startsWith)) {
            throw new LoadFailure("path is outside the allowed local directories");
        }
        Path real;
        try {
            real = path.toRealPath();
        } catch (NoSuchFileException e) {
            throw new LoadFailure("file not found", e);
        } catch (IOException e) {
            throw new LoadFailure("file not readable", e);
        }
        if (realDirs.stream().noneMatch(real::startsWith)) {
            throw new LoadFailure("path is outside the allowed local directories");
        }
        if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
            throw new LoadFailure("not a regular file");
        }
        try (InputStream in = Files.newInputStream(real, LinkOption.NOFOLLOW_LINKS)) {
            byte[] bytes = readCapped(in);
            return new ImageInput(ImageSources.mediaTypeFromPath(url), Base64.getEncoder().encodeToString(bytes),
                    null);
        } catch (IOException e) {
            throw new LoadFailure("file not readable", e);
        }
    }

    /** @return the absolute, lexically normalised path named by a {@code file:} URL, {@code ~/} or absolute path */
    private static Path localPath(String url) throws LoadFailure {
        try {
            if (url.regionMatches(true, 0, "file:", 0, 5)) {
                String rest = url.substring(5);
                if (rest.startsWith("//")) {
                    int slash = rest.indexOf('/', 2);
                    String authority = slash < 0 ? rest.substring(2) : rest.substring(2, slash);
                    if (!(authority.isEmpty() || authority.equalsIgnoreCase("localhost")) || slash < 0) {
                        throw new LoadFailure("invalid file URL");
                    }
                    rest = rest.substring(slash);
                }
                // file URLs are percent-encoded; '+' is a literal plus there, not a space
                String decoded = URLDecoder.decode(rest.replace("+", "%2B"), StandardCharsets.UTF_8);
                Path p = Path.of(decoded);
                if (!p.isAbsolute()) {
                    throw new LoadFailure("invalid file URL");
                }
                return p.normalize();
            }
            return ImageSettings.expandHome(url).toAbsolutePath().normalize();
        } catch (IllegalArgumentException e) {
            throw new LoadFailure("invalid file path", e);
        }
    }

    private static boolean isAbsolutePath(String url) {
        try {
            return !url.isEmpty() && Path.of(url).isAbsolute();
        } catch (InvalidPathException e) {
            return false;
        }
    }

    // ---- shared ---------------------------------------------------------------------------------------------

    private byte[] readCapped(InputStream in) throws IOException, LoadFailure {
        int cap = (int) Math.min(settings.maxBytes(), Integer.MAX_VALUE - 16);
        byte[] bytes = in.readNBytes(cap + 1);
        if (bytes.length > cap) {
            throw tooLarge();
        }
        if (bytes.length == 0) {
            throw new LoadFailure("empty image");
        }
        return bytes;
    }

    private LoadFailure tooLarge() {
        return new LoadFailure("image larger than " + settings.maxBytes() + " bytes");
    }

    /** Closes the HTTP client and its connection pool. */
    @Override
    public void close() throws IOException {
        client.close();
    }

    /** A failed load; the message is the client-facing reason (no URL, path, host or prompt). */
    private static final class LoadFailure extends Exception {

        LoadFailure(String reason) {
            super(reason, null, false, false);
        }

        LoadFailure(String reason, Throwable cause) {
            super(reason, cause, false, false);
        }
    }
}
