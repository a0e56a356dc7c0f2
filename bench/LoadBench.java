import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Load harness for lingma-gateway (see bench/README.md). Sends a bounded number of streaming chat requests from a
 * fixed number of concurrent clients to a gateway on 127.0.0.1 and prints time to first token, total latency
 * percentiles, throughput and status counts. Loopback only; stops by itself.
 *
 * Usage: java bench/LoadBench.java [--port=8095] [--clients=4] [--requests=200] [--api=openai|anthropic]
 */
public final class LoadBench {

    public static void main(String[] args) throws Exception {
        int port = intArg(args, "port", 8095);
        int clients = intArg(args, "clients", 4);
        int requests = intArg(args, "requests", 200);
        String api = strArg(args, "api", "openai");
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String path = api.equals("anthropic") ? "/v1/messages" : "/v1/chat/completions";
        String body = api.equals("anthropic")
                ? "{\"model\":\"kmodel\",\"max_tokens\":256,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"bench %d\"}]}"
                : "{\"model\":\"kmodel\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"bench %d\"}]}";
        List<Long> ttft = Collections.synchronizedList(new ArrayList<>());
        List<Long> total = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger next = new AtomicInteger();
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger rejected = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long start = System.nanoTime();
        List<Future<?>> futures = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            futures.add(pool.submit(() -> {
                int i;
                while ((i = next.getAndIncrement()) < requests) {
                    long t0 = System.nanoTime();
                    try {
                        HttpResponse<java.io.InputStream> r = http.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(120))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body.formatted(i))).build(),
                                HttpResponse.BodyHandlers.ofInputStream());
                        if (r.statusCode() == 429) {
                            rejected.incrementAndGet();
                            r.body().close();
                            continue;
                        }
                        if (r.statusCode() != 200) {
                            failed.incrementAndGet();
                            r.body().close();
                            continue;
                        }
                        boolean first = true;
                        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(),
                                StandardCharsets.UTF_8))) {
                            String line;
                            while ((line = in.readLine()) != null) {
                                if (first && (line.contains("\"content\":\"") || line.contains("text_delta"))) {
                                    ttft.add(System.nanoTime() - t0);
                                    first = false;
                                }
                            }
                        }
                        total.add(System.nanoTime() - t0);
                        ok.incrementAndGet();
                    } catch (Exception e) {
                        failed.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("api=%s clients=%d requests=%d ok=%d rejected429=%d failed=%d%n", api, clients, requests,
                ok.get(), rejected.get(), failed.get());
        System.out.printf("throughput: %.1f streams/s over %.1f s%n", ok.get() / seconds, seconds);
        System.out.printf("time to first token ms: p50=%.1f p95=%.1f p99=%.1f%n", pct(ttft, 50), pct(ttft, 95),
                pct(ttft, 99));
        System.out.printf("total latency ms:       p50=%.1f p95=%.1f p99=%.1f%n", pct(total, 50), pct(total, 95),
                pct(total, 99));
    }

    private static double pct(List<Long> values, int p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int idx = Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1);
        return sorted.get(Math.max(0, idx)) / 1e6;
    }

    private static int intArg(String[] args, String name, int def) {
        return Integer.parseInt(strArg(args, name, String.valueOf(def)));
    }

    private static String strArg(String[] args, String name, String def) {
        for (String a : args) {
            if (a.startsWith("--" + name + "=")) {
                return a.substring(name.length() + 3);
            }
        }
        return def;
    }
}
