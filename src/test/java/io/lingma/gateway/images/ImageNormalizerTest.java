package io.lingma.gateway.images;

import io.lingma.gateway.config.TestSettings;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.ImageInput;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

import static io.lingma.gateway.images.ImageTestSupport.png;
import static io.lingma.gateway.images.ImageTestSupport.turn;
import static org.assertj.core.api.Assertions.assertThat;

/** Normalisation (client-api.md §9.6 "Normalisation"). */
class ImageNormalizerTest {

    private final ImageNormalizer normalizer = new ImageNormalizer(TestSettings.images());

    @Test
    void wideImageBecomesA1568By523Jpeg() throws IOException {
        ImageInput in = new ImageInput("image/png", b64(png(3000, 1000)), "https://example.com/wide.png");

        ImageInput out = normalizer.normalize(in);

        assertThat(out.mediaType()).isEqualTo("image/jpeg");
        assertThat(out.url()).isEqualTo("https://example.com/wide.png");
        byte[] bytes = Base64.getDecoder().decode(out.base64Data());
        assertThat(bytes).startsWith((byte) 0xFF, (byte) 0xD8);
        BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(bytes));
        assertThat(decoded.getWidth()).isEqualTo(1568);
        assertThat(decoded.getHeight()).isEqualTo(523);
    }

    @Test
    void loaderNormalisesDataImagesToo() throws Exception {
        ChatTurn in = turn("hi", new ImageInput("image/png", b64(png(1000, 3000)), null));
        try (ImageLoader loader = new ImageLoader(TestSettings.images())) {
            ImageInput out = loader.resolve(in).messages().get(0).images().get(0);

            BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(out.base64Data())));
            assertThat(out.mediaType()).isEqualTo("image/jpeg");
            assertThat(decoded.getWidth()).isEqualTo(523);
            assertThat(decoded.getHeight()).isEqualTo(1568);
        }
    }

    @Test
    void smallImageIsLeftAsItIs() {
        ImageInput in = new ImageInput("image/png", b64(png(1568, 100)), null);

        assertThat(normalizer.normalize(in)).isSameAs(in);
    }

    @Test
    void imageOverTheByteThresholdIsReencodedAtItsSize() throws IOException {
        ImageSettings d = TestSettings.images();
        ImageNormalizer tight = new ImageNormalizer(new ImageSettings(false, List.of(), false, d.onError(),
                Duration.ofSeconds(10), d.maxBytes(), 3, 100, 1568, 85));

        ImageInput out = tight.normalize(new ImageInput("image/png", b64(png(200, 100)), null));

        assertThat(out.mediaType()).isEqualTo("image/jpeg");
        BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(out.base64Data())));
        assertThat(decoded.getWidth()).isEqualTo(200);
        assertThat(decoded.getHeight()).isEqualTo(100);
    }

    @Test
    void undecodableImagesAreLeftAsTheyAre() {
        ImageInput notAnImage = new ImageInput("image/png", b64(new byte[3 << 20]), null);
        ImageInput truncated = new ImageInput("image/png", b64(Arrays.copyOf(png(3000, 1000), 100)), null);

        assertThat(normalizer.normalize(notAnImage)).isSameAs(notAnImage);
        assertThat(normalizer.normalize(truncated)).isSameAs(truncated);
    }

    @Test
    void scalingAveragesPixelsInsteadOfPickingThem() throws IOException {
        // alternating black and white columns: nearest neighbour keeps pure black or white, averaging gives grey
        BufferedImage stripes = new BufferedImage(3136, 10, BufferedImage.TYPE_INT_RGB);
        for (int x = 0; x < stripes.getWidth(); x += 2) {
            for (int y = 0; y < stripes.getHeight(); y++) {
                stripes.setRGB(x, y, 0xFFFFFF);
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(stripes, "png", png);

        ImageInput out = normalizer.normalize(new ImageInput("image/png", b64(png.toByteArray()), null));

        BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(out.base64Data())));
        assertThat(decoded.getWidth()).isEqualTo(1568);
        int red = (decoded.getRGB(784, 2) >> 16) & 0xFF;
        assertThat(red).isBetween(96, 160);
    }

    private static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }
}
