package io.lingma.gateway.lingma.remote;

/**
 * A remote API base URL and where it came from (lingma-remote.md §2.2), for {@code /health} and diagnoses.
 *
 * @param url    {@code scheme://host[:port]} without a trailing slash, e.g. {@code https://lingma.alibabacloud.com}
 * @param source {@code explicit config}, {@code env LINGMA_REMOTE_BASE_URL}, {@code remembered (<path>)}, the path
 *               of the file the hint was found in, or {@code default}
 */
public record ResolvedBaseUrl(String url, String source) {
}
