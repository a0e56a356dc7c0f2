package io.lingma.gateway.chat;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Token counts from the o200k_base tokenizer (client-api.md §12; vector 88 adapted to a real tokenizer). */
class TokenEstimatorTest {

    private final TokenEstimator estimator = new TokenEstimator();

    @Test
    void vector88EmptyIsZeroAndAnythingElseAtLeastOne() {
        assertThat(estimator.estimate("")).isZero();
        assertThat(estimator.estimate(null)).isZero();
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
}
