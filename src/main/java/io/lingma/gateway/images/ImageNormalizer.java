package io.lingma.gateway.images;

import io.lingma.gateway.chat.ImageInput;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Base64;
import java.util.Iterator;

/**
 * Normalisation of client-api.md §9.6: an image larger than {@link ImageSettings#resizeAboveBytes()} bytes or with a
 * side longer than {@link ImageSettings#maxSide()} pixels is decoded, scaled to that longest side with progressive
 * bilinear steps (never nearest neighbour) and re-encoded as JPEG of {@link ImageSettings#jpegQuality()}. Anything
 * the JDK cannot decode (WebP, CMYK JPEG, corrupt data) is left as it is. Thread-safe and stateless.
 */
public final class ImageNormalizer {

    // a decoded image costs up to 4 bytes per pixel; bigger sources are subsampled while decoding to bound memory
    private static final long MAX_DECODED_PIXELS = 24_000_000L;

    static {
        // a server has no display; must be set before AWT initialises (on macOS it would otherwise start AppKit)
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private final long resizeAboveBytes;
    private final int maxSide;
    private final float quality;

    /** @param settings the resize thresholds and JPEG quality */
    public ImageNormalizer(ImageSettings settings) {
        this.resizeAboveBytes = settings.resizeAboveBytes();
        this.maxSide = settings.maxSide();
        this.quality = settings.jpegQuality() / 100f;
    }

    /**
     * @param image an image carrying {@code base64Data}; images without data are returned unchanged
     * @return the same instance when no normalisation is needed or decoding fails; else a JPEG image
     * ({@code image/jpeg}) with the same {@code url}
     */
    public ImageInput normalize(ImageInput image) {
        if (image.base64Data() == null || image.base64Data().isEmpty()) {
            return image;
        }
        byte[] bytes;
        try {
            bytes = Base64.getMimeDecoder().decode(image.base64Data());
        } catch (IllegalArgumentException e) {
            return image;
        }
        byte[] jpeg = normalize(bytes);
        return jpeg == null ? image
                : new ImageInput("image/jpeg", Base64.getEncoder().encodeToString(jpeg), image.url());
    }

    /**
     * @param bytes encoded image bytes (any format the JDK reads: PNG, JPEG, GIF, BMP)
     * @return JPEG bytes when the image was over a threshold and could be decoded; null when it is left as it is
     */
    byte[] normalize(byte[] bytes) {
        // memory-cached streams: ImageIO's default stream cache writes temp files for every image
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                return null;
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                if (bytes.length <= resizeAboveBytes && Math.max(width, height) <= maxSide) {
                    return null;
                }
                ImageReadParam param = reader.getDefaultReadParam();
                long pixels = (long) width * height;
                if (pixels > MAX_DECODED_PIXELS) {
                    int step = (int) Math.ceil(Math.sqrt((double) pixels / MAX_DECODED_PIXELS));
                    param.setSourceSubsampling(step, step, 0, 0);
                }
                BufferedImage decoded = reader.read(0, param);
                return encodeJpeg(scale(decoded, width, height));
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * @param source the decoded image (possibly subsampled)
     * @param width  the original width, px
     * @param height the original height, px
     * @return an opaque RGB image whose longest side is at most {@code maxSide}, keeping the original aspect ratio
     */
    private BufferedImage scale(BufferedImage source, int width, int height) {
        int longest = Math.max(width, height);
        double factor = Math.min(1.0, (double) maxSide / longest);
        int targetW = Math.max(1, (int) Math.round(width * factor));
        int targetH = Math.max(1, (int) Math.round(height * factor));
        BufferedImage current = source;
        int w = source.getWidth();
        int h = source.getHeight();
        // halving steps keep bilinear filtering from skipping source pixels (the aliasing of one big step)
        while (w / 2 >= targetW && h / 2 >= targetH) {
            w /= 2;
            h /= 2;
            current = draw(current, w, h);
        }
        return draw(current, targetW, targetH);
    }

    private static BufferedImage draw(BufferedImage source, int width, int height) {
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            // JPEG has no alpha: transparent areas become white rather than black
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.setRenderingHint(RenderingHints.KEY_ALPHA_INTERPOLATION, RenderingHints.VALUE_ALPHA_INTERPOLATION_QUALITY);
            g.drawImage(source, 0, 0, width, height, null);
        } finally {
            g.dispose();
        }
        return out;
    }

    private byte[] encodeJpeg(BufferedImage image) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality);
            writer.setOutput(ios);
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }
}
