package io.lingma.gateway.images;

import io.lingma.gateway.config.TestSettings;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.ImageInput;
import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

import static io.lingma.gateway.images.ImageTestSupport.localFiles;
import static io.lingma.gateway.images.ImageTestSupport.turn;
import static io.lingma.gateway.images.ImageTestSupport.urlOnly;
import static io.lingma.gateway.images.ImageTestSupport.withOnError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Local image paths (client-api.md §9.6, §16 vectors 24, 25, 135). */
class ImageLoaderLocalFilesTest {

    private static final byte[] JPEG = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xD9};

    @TempDir
    Path root;
    private Path allowed;

    @BeforeEach
    void files() throws IOException {
        allowed = Files.createDirectory(root.resolve("allowed"));
        Files.write(allowed.resolve("sample.jpg"), JPEG);
        Files.write(allowed.resolve("sample.png"), ImageTestSupport.png(4, 4));
        Files.write(root.resolve("secret.png"), ImageTestSupport.png(2, 2));
    }

    @Test
    void vector24FileUrlJpeg() throws Exception {
        try (ImageLoader loader = new ImageLoader(localFiles(allowed))) {
            ImageInput image = only(loader.resolve(turn("look", urlOnly("file://" + allowed.resolve("sample.jpg")))));

            assertThat(image.mediaType()).isEqualTo("image/jpeg");
            assertThat(image.base64Data()).isEqualTo(Base64.getEncoder().encodeToString(JPEG));
            assertThat(image.url()).isNull();
        }
    }

    @Test
    void vector25AbsolutePathPng() throws Exception {
        try (ImageLoader loader = new ImageLoader(localFiles(allowed))) {
            ImageInput image = only(loader.resolve(turn("look", urlOnly(allowed.resolve("sample.png").toString()))));

            assertThat(image.mediaType()).isEqualTo("image/png");
            assertThat(Base64.getDecoder().decode(image.base64Data()))
                    .isEqualTo(Files.readAllBytes(allowed.resolve("sample.png")));
        }
    }

    @Test
    void vector135LocalFilesDisabled() throws Exception {
        try (ImageLoader loader = new ImageLoader(TestSettings.images())) {
            assertThatThrownBy(() -> loader.resolve(turn("hi", urlOnly("file:///etc/hosts"))))
                    .isInstanceOfSatisfying(GatewayException.class, e -> {
                        assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_REQUEST);
                        assertThat(e.status()).isEqualTo(400);
                    })
                    .hasMessage("could not load image: local image files are disabled");
        }
    }

    @Test
    void pathOutsideLocalDirsIsRefused() throws Exception {
        try (ImageLoader loader = new ImageLoader(localFiles(allowed))) {
            assertThatThrownBy(() -> loader.resolve(turn("hi", urlOnly(root.resolve("secret.png").toString()))))
                    .isInstanceOf(GatewayException.class)
                    .hasMessage("could not load image: path is outside the allowed local directories");
        }
    }

    @Test
    void dotDotEscapeIsRefused() throws Exception {
        String escape = allowed + "/../secret.png";
        try (ImageLoader loader = new ImageLoader(localFiles(allowed))) {
            assertThatThrownBy(() -> loader.resolve(turn("hi", urlOnly(escape))))
                    .hasMessage("could not load image: path is outside the allowed local directories");
            assertThatThrownBy(() -> loader.resolve(turn("hi", urlOnly("file://" + escape))))
                    .hasMessage("could not load image: path is outside the allowed local directories");
        }
    }

    @Test
    void symlinkEscapeIsRefused() throws Exception {
        Path link = Files.createSymbolicLink(allowed.resolve("link.png"), root.resolve("secret.png"));
        try (ImageLoader loader = new ImageLoader(localFiles(allowed))) {
            assertThatThrownBy(() -> loader.resolve(turn("hi", urlOnly(link.toString()))))
                    .hasMessage("could not load image: path is outside the allowed local directories");
        }
    }

    @Test
    void noLocalDirsMeansNothingIsReadable() throws Exception {
        try (ImageLoader loader = new ImageLoader(localFiles())) {
            assertThatThrownBy(() -> loader.resolve(turn("hi", urlOnly(allowed.resolve("sample.png").toString()))))
                    .hasMessage("could not load image: path is outside the allowed local directories");
        }
    }

    @Test
    void missingFileInsideAllowedDir() throws Exception {
        try (ImageLoader loader = new ImageLoader(localFiles(allowed))) {
            assertThatThrownBy(() -> loader.resolve(turn("hi", urlOnly(allowed.resolve("none.png").toString()))))
                    .hasMessage("could not load image: file not found");
        }
    }

    @Test
    void dropModeRemovesTheImageAndKeepsTheText() throws Exception {
        ImageInput good = new ImageInput("image/png", "AAAA", null);
        try (ImageLoader loader = new ImageLoader(withOnError(TestSettings.images(), ImageSettings.OnError.DROP))) {
            ChatTurn out = loader.resolve(turn("describe", urlOnly("file:///etc/hosts"), good));

            assertThat(out.messages()).hasSize(1);
            assertThat(out.messages().get(0).text()).isEqualTo("describe");
            assertThat(out.messages().get(0).flatText()).isEqualTo("describe");
            assertThat(out.messages().get(0).images()).containsExactly(good);
        }
    }

    @Test
    void unchangedTurnInstanceWhenNothingToLoad() throws Exception {
        try (ImageLoader loader = new ImageLoader(TestSettings.images())) {
            ChatTurn textOnly = turn("hello");
            ChatTurn smallData = turn("hi", new ImageInput("image/jpeg", Base64.getEncoder().encodeToString(JPEG),
                    null));

            assertThat(loader.resolve(textOnly)).isSameAs(textOnly);
            assertThat(loader.resolve(smallData)).isSameAs(smallData);
        }
    }

    private static ImageInput only(ChatTurn turn) {
        assertThat(turn.messages()).hasSize(1);
        assertThat(turn.messages().get(0).images()).hasSize(1);
        return turn.messages().get(0).images().get(0);
    }
}
