package io.lingma.gateway.lingma.ipc;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LspFrameCodecTest {

    private static final String CJK_UPDATE = "{\"jsonrpc\":\"2.0\",\"method\":\"session/update\",\"params\":{\"_meta\":"
            + "{\"ai-coding/request-id\":\"serve-1774432779539-1a2b3c4d\"},\"sessionId\":"
            + "\"8e9fd104-e5d2-4c3e-8724-c094ba7dc500\",\"update\":{\"content\":{\"text\":\"你好\",\"type\":\"text\"},"
            + "\"sessionUpdate\":\"agent_message_chunk\"}}}";

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void encodeCountsUtf8BytesNotCharacters() {
        // lingma-ipc.md §4.1: 256 characters, Content-Length 260
        assertThat(CJK_UPDATE.length()).isEqualTo(256);
        String frame = text(LspFrameCodec.encode(CJK_UPDATE));
        assertThat(frame).startsWith("Content-Length: 260\r\n\r\n").endsWith(CJK_UPDATE);
    }

    @Test
    void initializeExampleHasTheDocumentedLength() {
        String init = "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"initialize\",\"params\":{\"clientCapabilities\":{},"
                + "\"protocolVersion\":1,\"timestamp\":1774432779540}}";
        assertThat(text(LspFrameCodec.encode(init))).startsWith("Content-Length: 127\r\n\r\n");
    }

    @Test
    void decodesMultibyteBodyByteExact() throws Exception {
        LspFrameCodec codec = new LspFrameCodec(1 << 20);
        List<byte[]> frames = codec.decode(LspFrameCodec.encode(CJK_UPDATE));
        assertThat(frames).hasSize(1);
        assertThat(text(frames.get(0))).isEqualTo(CJK_UPDATE);
        assertThat(codec.pendingBytes()).isZero();
    }

    @Test
    void decodesSeveralFramesInOneChunk() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(LspFrameCodec.encode("{\"a\":1}"));
        out.write(LspFrameCodec.encode(CJK_UPDATE));
        out.write(LspFrameCodec.encode("{\"b\":\"é\"}"));
        List<byte[]> frames = new LspFrameCodec(1 << 20).decode(out.toByteArray());
        assertThat(frames).extracting(LspFrameCodecTest::text).containsExactly("{\"a\":1}", CJK_UPDATE,
                "{\"b\":\"é\"}");
    }

    @Test
    void decodesAFrameSplitAcrossChunksAtEveryByteOffset() throws Exception {
        byte[] frame = LspFrameCodec.encode(CJK_UPDATE);
        for (int split = 0; split <= frame.length; split++) {
            LspFrameCodec codec = new LspFrameCodec(1 << 20);
            List<byte[]> frames = new ArrayList<>(codec.decode(Arrays.copyOfRange(frame, 0, split)));
            frames.addAll(codec.decode(Arrays.copyOfRange(frame, split, frame.length)));
            assertThat(frames).as("split at %d", split).hasSize(1);
            assertThat(text(frames.get(0))).isEqualTo(CJK_UPDATE);
        }
    }

    @Test
    void decodesByteByByteAndKeepsTheRemainderOfTheNextFrame() throws Exception {
        byte[] two = concat(LspFrameCodec.encode("{\"x\":1}"), LspFrameCodec.encode("{\"y\":2}"));
        LspFrameCodec codec = new LspFrameCodec(1 << 20);
        List<String> out = new ArrayList<>();
        for (byte b : two) {
            codec.decode(new byte[]{b}).forEach(f -> out.add(text(f)));
        }
        assertThat(out).containsExactly("{\"x\":1}", "{\"y\":2}");
    }

    @Test
    void headerNameIsCaseInsensitiveAndOtherHeadersAreIgnored() throws Exception {
        byte[] frame = "Content-Type: application/json\r\ncontent-LENGTH:  7 \r\n\r\n{\"a\":1}"
                .getBytes(StandardCharsets.US_ASCII);
        assertThat(new LspFrameCodec(1024).decode(frame)).extracting(LspFrameCodecTest::text)
                .containsExactly("{\"a\":1}");
    }

    @Test
    void missingContentLengthIsFatal() {
        assertThatThrownBy(() -> new LspFrameCodec(1024).decode("X-Other: 1\r\n\r\n{}".getBytes()))
                .isInstanceOf(LspFramingException.class).hasMessageContaining("no Content-Length");
    }

    @Test
    void nonNumericOrNegativeContentLengthIsFatal() {
        assertThatThrownBy(() -> new LspFrameCodec(1024).decode("Content-Length: abc\r\n\r\n{}".getBytes()))
                .isInstanceOf(LspFramingException.class).hasMessageContaining("bad Content-Length");
        assertThatThrownBy(() -> new LspFrameCodec(1024).decode("Content-Length: -2\r\n\r\n{}".getBytes()))
                .isInstanceOf(LspFramingException.class).hasMessageContaining("negative");
    }

    @Test
    void overCapFrameIsFatal() {
        assertThatThrownBy(() -> new LspFrameCodec(1024).decode("Content-Length: 1025\r\n\r\n".getBytes()))
                .isInstanceOf(LspFramingException.class).hasMessageContaining("exceeds the cap of 1024");
    }

    @Test
    void bareJsonWithoutHeaderIsFatalOnceLongerThanAnyHeader() {
        byte[] bare = ("{\"pad\":\"" + "x".repeat(9000) + "\"}").getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> new LspFrameCodec(1 << 20).decode(bare)).isInstanceOf(LspFramingException.class)
                .hasMessageContaining("Unknown message header");
    }

    @Test
    void largeFramesDecodeAndTheBufferIsReleased() throws Exception {
        String big = "{\"data\":\"" + "A".repeat(3 * 1024 * 1024) + "\"}";
        LspFrameCodec codec = new LspFrameCodec(64 * 1024 * 1024);
        byte[] frame = LspFrameCodec.encode(big);
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < frame.length; i += 65536) {
            frames.addAll(codec.decode(Arrays.copyOfRange(frame, i, Math.min(frame.length, i + 65536))));
        }
        assertThat(frames).hasSize(1);
        assertThat(frames.get(0)).hasSize(big.length());
        assertThat(codec.decode(LspFrameCodec.encode("{}"))).extracting(LspFrameCodecTest::text).containsExactly("{}");
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
