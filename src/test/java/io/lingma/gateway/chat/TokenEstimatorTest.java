package io.lingma.gateway.chat;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** Token counts from the o200k_base tokenizer (client-api.md §12; vector 88 adapted to a real tokenizer). */
class TokenEstimatorTest {

    private static final Encoding O200K = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
    private static final String MIXED = """
            public static void main(String[] args) {
                System.out.println("hi " + args.length);   // two  spaces, tabs\tand 'quotes' it's
            }
            The quick brown fox jumps over the lazy dog; 1234567 apples, 3.14159 pies!
            你好世界，这是一个测试句子。emoji 😀😀 and  double  spaces
            \t\tindented line
            aGVsbG8gd29ybGQgaGVsbG8gd29ybGQgaGVsbG8gd29ybGQ=
            """;

    private final TokenEstimator estimator = new TokenEstimator();

    @Test
    void vector88EmptyIsZeroAndAnythingElseAtLeastOne() {
        assertThat(estimator.estimate("")).isZero();
        assertThat(estimator.estimate((String) null)).isZero();
        assertThat(estimator.estimate("a")).isEqualTo(1);
        assertThat(estimator.estimate("你好世界")).isBetween(1L, 4L);
    }

    @Test
    void countsWordsNotBytes() {
        assertThat(estimator.estimate("hello world")).isEqualTo(2);
        String code = "public static void main(String[] args) { System.out.println(\"hi\"); }";
        assertThat(estimator.estimate(code)).isBetween(15L, 25L);
        assertThat(estimator.estimate("<|endoftext|>")).isGreaterThan(1);
    }

    @Test
    void textUpToTheExactLimitIsCountedExactlyAlthoughFedInPieces() {
        String text = MIXED.repeat(300);
        assertThat(text.length()).isGreaterThan(10 * TokenEstimator.PIECE_CHARS);
        assertThat(estimator.estimate(text)).isEqualTo(O200K.countTokensOrdinary(text));
        assertThat(estimator.estimate(new StringBuilder(text))).isEqualTo(O200K.countTokensOrdinary(text));
    }

    @Test
    void longerTextIsExtrapolatedLinearlyFromEvenlySpacedWindows() {
        TokenEstimator small = new TokenEstimator(32_768);
        String prose = "the quick brown fox jumps over the lazy dog 0123 ".repeat(8_000);
        String mixed = MIXED.repeat(1_500);
        // half prose, half code and CJK: windows from start to end see both halves
        String halves = prose + mixed;
        for (String text : new String[] {prose, mixed, halves}) {
            assertThat(text.length()).isGreaterThan(10 * small.exactCountChars());
            long exact = O200K.countTokensOrdinary(text);
            assertThat((double) small.estimate(text)).as("%d chars", text.length())
                    .isCloseTo(exact, within(exact * 0.03));
        }
    }

    @Test
    void hugeInputCostsBoundedTimeAndMemory() {
        // 20 M characters without white space: whole, the tokenizer spends minutes and gigabytes on this one piece;
        // in 8192-character pieces still about 450 MB per million characters
        String run = "x".repeat(20_000_000);
        String words = "lorem ipsum dolor sit amet ".repeat(800_000);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long[] counts = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            long before = threads.getCurrentThreadAllocatedBytes();
            long runCount = estimator.estimate(run);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            return new long[] {runCount, estimator.estimate(words), allocated};
        });
        assertThat(counts[2]).as("bytes allocated for the run").isLessThan(200L * 1024 * 1024);
        long wordsExact = O200K.countTokensOrdinary(words.substring(0, 27 * 40_000)) * 20L;
        assertThat((double) counts[1]).isCloseTo(wordsExact, within(wordsExact * 0.01));
        assertThat(counts[0]).isBetween(20_000_000L / 16, 20_000_000L / 4);
    }

    @Test
    void rejectsAnExactLimitTooSmallToSample() {
        assertThatThrownBy(() -> new TokenEstimator(100)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gateway.tokens.exact-count-chars");
    }
}
