package io.lingma.gateway.simulator.wire;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The simulator's framing against the wire examples of lingma-ipc.md §4.1 and the §10.3 requirements. */
class LspFramesTest {

    /** §4.1: 256 characters, {@code Content-Length: 260}. */
    private static final String CJK_UPDATE = "{\"jsonrpc\":\"2.0\",\"method\":\"session/update\",\"params\":{\"_meta\":"
            + "{\"ai-coding/request-id\":\"serve-1774432779539-1a2b3c4d\"},\"sessionId\":"
            + "\"8e9fd104-e5d2-4c3e-8724-c094ba7dc500\",\"update\":{\"content\":{\"text\":\"你好\",\"type\":\"text\"},"
            + "\"sessionUpdate\":\"agent_message_chunk\"}}}";
    /** §4.1: {@code Content-Length: 127}. */
    private static final String INITIALIZE = "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"initialize\",\"params\":"
            + "{\"clientCapabilities\":{},\"protocolVersion\":1,\"timestamp\":1774432779540}}";

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[]... parts) {
        byte[] out = new byte[0];
        for (byte[] p : parts) {
            int at = out.length;
            out = Arrays.copyOf(out, at + p.length);
            System.arraycopy(p, 0, out, at, p.length);
        }
        return out;
    }

    @Test
    void framesCountUtf8BytesAsInTheSpecExamples() {
        assertThat(CJK_UPDATE).hasSize(256);
        assertThat(text(LspFrames.frame(CJK_UPDATE))).isEqualTo("Content-Length: 260\r\n\r\n" + CJK_UPDATE);
        assertThat(text(LspFrames.frame(INITIALIZE))).isEqualTo("Content-Length: 127\r\n\r\n" + INITIALIZE);
    }

    @Test
    void readsTheSpecExamplesWrittenByHand() throws Exception {
        LspFrames.Reader reader = new LspFrames.Reader(1 << 20);
        List<byte[]> frames = reader.feed(bytes("Content-Length: 127\r\n\r\n" + INITIALIZE
                + "Content-Length: 260\r\n\r\n" + CJK_UPDATE));
        assertThat(frames).extracting(LspFramesTest::text).containsExactly(INITIALIZE, CJK_UPDATE);
        assertThat(reader.idle()).isTrue();
    }

    @Test
    void readsAFrameSplitAtEveryByteOffset() throws Exception {
        byte[] frame = LspFrames.frame(CJK_UPDATE);
        for (int split = 0; split <= frame.length; split++) {
            LspFrames.Reader reader = new LspFrames.Reader(1 << 20);
            List<byte[]> frames = new ArrayList<>(reader.feed(Arrays.copyOfRange(frame, 0, split)));
            assertThat(reader.idle()).as("idle after %d bytes", split).isEqualTo(split == 0 || split == frame.length);
            frames.addAll(reader.feed(Arrays.copyOfRange(frame, split, frame.length)));
            assertThat(frames).as("split at %d", split).extracting(LspFramesTest::text).containsExactly(CJK_UPDATE);
        }
    }

    @Test
    void readsByteByByteAcrossSeveralFrames() throws Exception {
        byte[] stream = concat(LspFrames.frame("{\"x\":1}"), LspFrames.frame(""), LspFrames.frame("{\"y\":\"é\"}"));
        LspFrames.Reader reader = new LspFrames.Reader(1 << 20);
        List<String> out = new ArrayList<>();
        for (byte b : stream) {
            reader.feed(new byte[]{b}).forEach(f -> out.add(text(f)));
        }
        assertThat(out).containsExactly("{\"x\":1}", "", "{\"y\":\"é\"}");
    }

    @Test
    void headerNameIsCaseInsensitiveValueTrimmedOtherLinesIgnored() throws Exception {
        List<byte[]> frames = new LspFrames.Reader(1 << 20).feed(
                bytes("Content-Type: application/vscode-jsonrpc\r\ncontent-LENGTH:   2 \r\n\r\n{}"));
        assertThat(frames).extracting(LspFramesTest::text).containsExactly("{}");
    }

    @Test
    void malformedHeadersAreFatalAndTheReaderStartsOver() throws Exception {
        LspFrames.Reader reader = new LspFrames.Reader(1 << 20);
        assertThatThrownBy(() -> reader.feed(bytes("Content-Length: abc\r\n\r\n{}")))
                .isInstanceOf(LspFrames.MalformedFrameException.class).hasMessageContaining("Unknown message header");
        assertThatThrownBy(() -> reader.feed(bytes("Content-Length: -2\r\n\r\n{}")))
                .hasMessageContaining("Unknown message header");
        assertThatThrownBy(() -> reader.feed(bytes("X-Other: 1\r\n\r\n{}")))
                .hasMessageContaining("no Content-Length");
        assertThat(reader.idle()).isTrue();
        assertThat(reader.feed(LspFrames.frame("{\"ok\":true}"))).extracting(LspFramesTest::text)
                .containsExactly("{\"ok\":true}");
    }

    @Test
    void overCapFramesAndEndlessHeadersAreFatal() {
        assertThatThrownBy(() -> new LspFrames.Reader(16).feed(LspFrames.frame("{\"much\":\"too long\"}")))
                .hasMessageContaining("exceeds the cap of 16");
        assertThatThrownBy(() -> new LspFrames.Reader(16).feed(bytes("Content-Length: 99999999999\r\n\r\n")))
                .hasMessageContaining("exceeds the cap");
        byte[] garbage = new byte[LspFrames.MAX_HEADER_BYTES + 1];
        Arrays.fill(garbage, (byte) 'x');
        assertThatThrownBy(() -> new LspFrames.Reader(1 << 20).feed(garbage))
                .hasMessageContaining("Unknown message header");
    }
}
