import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Load and latency bench of lingma-gateway (issue 12, bench/README.md). Single-file JDK 17 program, no
 * dependencies; run it from the repository root after {@code mvn -B -DskipTests package}:
 * <pre>{@code
 * java bench/Bench.java            # full run, about two minutes
 * java bench/Bench.java --quick    # smoke run, a few seconds after start-up; exit status 1 on any error
 * }</pre>
 * It starts three processes on 127.0.0.1 and stops them at the end (also on Ctrl-C, via a shutdown hook):
 * the Lingma IPC simulator (its own JVM, so its CPU is not counted), a "direct" upstream (this file's
 * {@code --serve-direct} mode: a JDK HttpServer answering OpenAI chat completions with the simulator's timing, the
 * floor of every figure) and the gateway on {@code gateway.backend=ipc} pointed at the simulator. Then it drives
 * each target with a raw-socket HTTP/1.1 load generator (one keep-alive connection per client thread) and prints
 * one Markdown table: req/s, latency p50/p99, time to first token, CPU µs of the target process per request
 * (utime+stime from /proc/PID/stat), RSS after each row and peak during it, and the gateway's start-up time.
 * All options are listed by {@code --help}.
 */
public final class Bench {

    private static final String USAGE = """
            Usage: java bench/Bench.java [options]      (from the repository root, after mvn -DskipTests package)
              --quick                   smoke run: tiny counts (same rows), a few seconds after start-up
              --port-base=N             first of four loopback ports: gateway, management, simulator, direct
                                        (default 18300)
              --gateway-cmd="CMD ARGS"  gateway command (env BENCH_GATEWAY_CMD); default bin/lingma-gateway when
                                        it exists, else java -jar target/lingma-gateway.jar
              --gateway-args="ARGS"     extra gateway arguments, appended after the bench's own
              --sim-cmd="CMD ARGS"      simulator command (env BENCH_SIMULATOR_CMD); default java -cp
                                        "target/lingma-gateway.jar:target/lib/*" io.lingma.gateway.simulator.SimulatorMain
              --targets=LIST            direct,openai,anthropic (default all three)
              --ns=C:N,...              non-streaming rows: C concurrent clients, N requests (default 1:500,32:3000)
              --sse=C:N,...             streaming rows: C concurrent streams, N streams (default 1:30,50:250,200:600)
              --warmup=N                unmeasured non-streaming requests (c=8) per target before the rows
                                        (default 2000; JIT warm-up)
              --warmup-streams=N        unmeasured streams (N=16) per target before the rows (default 200)
              --frames=N                content frames per stream (default 100, 8 characters each)
              --first-chunk-ms=N        upstream delay before the first frame (default 10)
              --chunk-ms=N              upstream delay between frames (default 2)
              --max-in-flight=N         gateway.concurrency.max-in-flight, max-queued and
                                        gateway.ipc.max-concurrent-turns (default largest concurrency + 16)
              --max-seconds=N           hard limit of the whole run (default 300); rows stop early at it
              --keep-logs               keep the temporary directory with the processes' logs
            """;

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm");
    private static final String STREAM_MARKER = "[bench:stream]";
    private static final String FAST_MARKER = "[bench:fast]";
    /** Non-streaming reply: 10 pieces of 8 characters, no upstream delay. */
    private static final List<String> FAST_REPLY = words("n", 10);

    private static final List<Started> STARTED = new CopyOnWriteArrayList<>();

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = parse(args);
        if (opt.containsKey("help")) {
            System.out.print(USAGE);
            return;
        }
        if (opt.containsKey("serve-direct")) {
            DirectUpstream.serve(opt);
            return;
        }
        System.exit(new Bench().run(opt));
    }

    // ------------------------------------------------------------------------------------------------------------
    // orchestration

    private int run(Map<String, String> opt) throws Exception {
        boolean quick = opt.containsKey("quick");
        int base = num(opt, "port-base", 18300);
        int gwPort = base;
        int mgmtPort = base + 1;
        int simPort = base + 2;
        int directPort = base + 3;
        List<int[]> ns = levels(opt.getOrDefault("ns", quick ? "1:20,32:64" : "1:500,32:3000"));
        List<int[]> sse = levels(opt.getOrDefault("sse", quick ? "1:3,50:50,200:200" : "1:30,50:250,200:600"));
        int warmup = num(opt, "warmup", quick ? 20 : 2000);
        int warmupStreams = num(opt, "warmup-streams", quick ? 16 : 200);
        int frames = num(opt, "frames", 100);
        int firstMs = num(opt, "first-chunk-ms", 10);
        int chunkMs = num(opt, "chunk-ms", 2);
        int maxConc = Stream.concat(ns.stream(), sse.stream()).mapToInt(l -> l[0]).max().orElse(1);
        int maxInFlight = num(opt, "max-in-flight", maxConc + 16);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(num(opt, "max-seconds", 300));
        List<String> targets = List.of(opt.getOrDefault("targets", "direct,openai,anthropic").split(","));
        String loadBefore = loadAverage();
        Path tmp = Files.createTempDirectory("lingma-bench-");
        Thread hook = new Thread(Bench::stopAll, "bench-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        Thread watchdog = new Thread(() -> {
            try {
                TimeUnit.NANOSECONDS.sleep(deadline - System.nanoTime() + TimeUnit.SECONDS.toNanos(30));
                System.err.println("bench: time limit passed, stopping");
                System.exit(3);
            } catch (InterruptedException e) {
                // run finished in time
            }
        }, "bench-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        List<String> streamText = words("s", frames);
        String java = ProcessHandle.current().info().command().orElse("java");
        List<Row> rows = new ArrayList<>();
        String others = "not measured";
        boolean failed = false;
        try {
            if (!Files.isRegularFile(Path.of("target/lingma-gateway.jar"))) {
                throw new IllegalStateException("target/lingma-gateway.jar not found: run from the repository root"
                        + " after mvn -B -DskipTests package");
            }
            Path scenarios = tmp.resolve("bench-scenarios.yaml");
            Files.writeString(scenarios, scenarioYaml(streamText, firstMs, chunkMs));
            List<String> simCmd = command(opt.get("sim-cmd"), System.getenv("BENCH_SIMULATOR_CMD"),
                    List.of(java, "-cp", "target/lingma-gateway.jar:target/lib/*",
                            "io.lingma.gateway.simulator.SimulatorMain"));
            simCmd.addAll(List.of("--port=" + simPort, "--scenarios=" + scenarios,
                    "--data-dir=" + tmp.resolve("sim-data")));
            Started sim = start("simulator", simCmd, tmp);
            Started direct = null;
            if (targets.contains("direct")) {
                Path classes = compileSelf(tmp);
                // without nodelay, Nagle + delayed ACK add 40 ms to every response of the JDK HttpServer
                direct = start("direct", List.of(java, "-Dsun.net.httpserver.nodelay=true", "-cp",
                        classes.toString(), "Bench", "--serve-direct",
                        "--port=" + directPort, "--frames=" + frames, "--first-chunk-ms=" + firstMs,
                        "--chunk-ms=" + chunkMs), tmp);
            }
            awaitListening(sim, simPort, deadline);
            if (direct != null) {
                awaitHttp200(direct, directPort, "/health", deadline);
            }
            List<String> gwCmd = command(opt.get("gateway-cmd"), System.getenv("BENCH_GATEWAY_CMD"),
                    Files.isExecutable(Path.of("bin/lingma-gateway")) ? List.of("bin/lingma-gateway")
                            : List.of(java, "-jar", "target/lingma-gateway.jar"));
            gwCmd.addAll(List.of("--gateway.backend=ipc", "--gateway.ipc.ws-url=ws://127.0.0.1:" + simPort + "/",
                    "--gateway.http.port=" + gwPort, "--gateway.management.port=" + mgmtPort,
                    "--gateway.concurrency.max-in-flight=" + maxInFlight,
                    "--gateway.concurrency.max-queued=" + maxInFlight,
                    "--gateway.ipc.max-concurrent-turns=" + maxInFlight));
            if (opt.containsKey("gateway-args")) {
                gwCmd.addAll(split(opt.get("gateway-args")));
            }
            Started gw = null;
            if (targets.contains("openai") || targets.contains("anthropic")) {
                gw = start("gateway", gwCmd, tmp);
                long startupNanos = awaitHttp200(gw, gwPort, "/health", deadline);
                gw.measuredPid = biggestJvm(gw.process);
                Row r = new Row("start-up (launch → /health 200)", "gateway");
                r.startupMs = startupNanos / 1e6;
                r.rssAfterKb = rssKb(gw.measuredPid);
                r.rssPeakKb = r.rssAfterKb;
                rows.add(r);
            }
            System.err.printf("bench: simulator, %sgateway up; logs in %s%n", direct != null ? "direct, " : "",
                    tmp);
            Map<String, Load> loads = new LinkedHashMap<>();
            for (String target : targets) {
                Started proc = target.equals("direct") ? direct : gw;
                loads.put(target, new Load(target.equals("direct") ? directPort : gwPort,
                        target.equals("anthropic") ? Api.ANTHROPIC : Api.OPENAI, proc.measuredPid,
                        streamText.get(streamText.size() - 1).trim(), deadline));
            }
            long others0 = otherTicks();
            long wall0 = System.nanoTime();
            // every target warm before the first measured row, so JIT warm-up does not land on the first API
            for (Map.Entry<String, Load> e : loads.entrySet()) {
                e.getValue().run(new Row("warm-up", e.getKey()), Math.min(8, maxConc), warmup, false);
                e.getValue().run(new Row("warm-up", e.getKey()), Math.min(16, maxConc), warmupStreams, true);
            }
            // background CPU (JIT, GC, timers) that the low-rate rows' CPU per request also contains
            int idleMs = quick ? 500 : 2000;
            Map<Started, Long> idle0 = new LinkedHashMap<>();
            for (Started p : Stream.of(direct, gw).filter(p -> p != null).toList()) {
                idle0.put(p, cpuTicks(p.measuredPid));
            }
            long idleT0 = System.nanoTime();
            Thread.sleep(idleMs);
            double idleSeconds = (System.nanoTime() - idleT0) / 1e9;
            idle0.forEach((p, t0) -> {
                Row r = new Row("idle " + idleMs / 1000.0 + " s after warm-up", p.name);
                r.idleMsPerS = (cpuTicks(p.measuredPid) - t0) * 1e3 / clkTck() / idleSeconds;
                r.rssAfterKb = rssKb(p.measuredPid);
                rows.add(r);
            });
            // scenario by scenario, so each gateway figure is measured right after its floor, under the same load
            for (int[] l : ns) {
                loads.forEach((t, load) -> rows.add(load.run(new Row("non-stream c=" + l[0], t), l[0], l[1], false)));
            }
            for (int[] l : sse) {
                loads.forEach((t, load) -> rows.add(load.run(new Row("SSE N=" + l[0], t), l[0], l[1], true)));
            }
            others = String.format(Locale.ROOT, "%.0f%%", 100.0 * (otherTicks() - others0) / clkTck()
                    / ((System.nanoTime() - wall0) / 1e9) / Runtime.getRuntime().availableProcessors());
            failed = rows.stream().anyMatch(r -> r.errors.get() > 0 || r.cut);
        } catch (Exception e) {
            System.err.println("bench: " + e.getMessage());
            for (Started s : STARTED) {
                System.err.println("--- last lines of " + s.log + ":");
                tail(s.log, 15).forEach(System.err::println);
            }
            failed = true;
        } finally {
            watchdog.interrupt();
            stopAll();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down: the hook runs stopAll again, harmlessly
            }
        }
        System.out.printf("%n%s, %d CPUs, Java %s; load average before the run %s, after %s;"
                        + " CPU of other processes during the rows: %s of the machine%n",
                LocalDateTime.now().format(STAMP), Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), loadBefore, loadAverage(), others);
        System.out.printf("Streams: %d frames of 8 characters, first after %d ms, then every %d ms;"
                + " non-stream: 10 pieces, no delay; max-in-flight %d%s%n%n", frames, firstMs, chunkMs, maxInFlight,
                quick ? "; QUICK (smoke) run, figures not comparable" : "");
        printTable(rows);
        long alive = STARTED.stream().filter(s -> s.process.isAlive()
                || s.process.descendants().anyMatch(ProcessHandle::isAlive)).count();
        System.out.printf("%nStopped %d of %d started processes%s.%n", STARTED.size() - alive, STARTED.size(),
                alive == 0 ? "" : " — SOME ARE STILL RUNNING");
        if (opt.containsKey("keep-logs")) {
            System.out.println("Logs: " + tmp);
        } else {
            deleteTree(tmp);
        }
        return failed || alive > 0 ? 1 : 0;
    }

    private static String scenarioYaml(List<String> streamText, int firstMs, int chunkMs) {
        return "scenarios:\n"
                + "  - name: bench-stream\n    match: \"" + STREAM_MARKER + "\"\n    chunks: " + yamlList(streamText)
                + "\n    delayFirstChunkMs: " + firstMs + "\n    chunkDelayMs: " + chunkMs + "\n"
                + "  - name: bench-fast\n    match: \"" + FAST_MARKER + "\"\n    chunks: " + yamlList(FAST_REPLY)
                + "\n    chunkDelayMs: 0\n";
    }

    private static String yamlList(List<String> items) {
        StringBuilder sb = new StringBuilder("[");
        for (String s : items) {
            sb.append(sb.length() > 1 ? ", " : "").append('"').append(s).append('"');
        }
        return sb.append(']').toString();
    }

    /** @return pieces of exactly 8 characters: prefix, six digits, a space */
    private static List<String> words(String prefix, int count) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(String.format(Locale.ROOT, "%s%06d ", prefix, i).substring(0, 8));
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------------------
    // processes

    private static final class Started {
        final String name;
        final Process process;
        final Path log;
        final long launchedNanos;
        long measuredPid;

        Started(String name, Process process, Path log, long launchedNanos) {
            this.name = name;
            this.process = process;
            this.log = log;
            this.launchedNanos = launchedNanos;
            this.measuredPid = process.pid();
        }
    }

    private static Started start(String name, List<String> cmd, Path tmp) throws IOException {
        Path log = tmp.resolve(name + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        long t0 = System.nanoTime();
        Started s = new Started(name, pb.start(), log, t0);
        STARTED.add(s);
        System.err.println("bench: started " + name + " (pid " + s.process.pid() + "): " + String.join(" ", cmd));
        return s;
    }

    /** A launcher that does not exec leaves the JVM as a child: measure the biggest process of the tree. */
    private static long biggestJvm(Process p) {
        return Stream.concat(Stream.of(p.toHandle()), p.descendants())
                .max(Comparator.comparingLong(h -> rssKb(h.pid()))).map(ProcessHandle::pid).orElse(p.pid());
    }

    private static synchronized void stopAll() {
        for (Started s : STARTED) {
            s.process.descendants().forEach(ProcessHandle::destroy);
            s.process.destroy();
        }
        for (Started s : STARTED) {
            try {
                if (!s.process.waitFor(15, TimeUnit.SECONDS)) {
                    s.process.descendants().forEach(ProcessHandle::destroyForcibly);
                    s.process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
                s.process.descendants().forEach(ProcessHandle::destroyForcibly);
            } catch (InterruptedException e) {
                s.process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void awaitListening(Started s, int port, long deadline) throws Exception {
        while (true) {
            try (Socket ignored = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException e) {
                checkAlive(s, deadline);
                Thread.sleep(20);
            }
        }
    }

    /** @return nanoseconds from the process launch to the first 200 answer on {@code path} */
    private static long awaitHttp200(Started s, int port, String path, long deadline) throws Exception {
        while (true) {
            try (Conn c = new Conn(port)) {
                Response r = c.exchange("GET", path, null, null);
                if (r.status == 200) {
                    return System.nanoTime() - s.launchedNanos;
                }
            } catch (IOException e) {
                // not listening yet
            }
            checkAlive(s, deadline);
            Thread.sleep(10);
        }
    }

    private static void checkAlive(Started s, long deadline) {
        if (!s.process.isAlive()) {
            throw new IllegalStateException(s.name + " exited with status " + s.process.exitValue());
        }
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException(s.name + " did not come up before the time limit");
        }
    }

    /** Compiles this file into {@code tmp/classes} so the direct upstream runs without the source launcher. */
    private static Path compileSelf(Path tmp) throws IOException {
        String self = ProcessHandle.current().info().arguments().stream().flatMap(Arrays::stream)
                .filter(a -> a.endsWith("Bench.java")).findFirst().orElse("bench/Bench.java");
        Path out = Files.createDirectories(tmp.resolve("classes"));
        int rc = javax.tools.ToolProvider.getSystemJavaCompiler().run(null, null, System.err, "-nowarn", "-d",
                out.toString(), self);
        if (rc != 0) {
            throw new IllegalStateException("could not compile " + self);
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------------------
    // /proc

    private static long clkTck = -1;

    private static synchronized long clkTck() {
        if (clkTck < 0) {
            clkTck = 100;
            try {
                Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
                if (p.waitFor() == 0) {
                    clkTck = Long.parseLong(out);
                }
            } catch (Exception e) {
                // keep the Linux default
            }
        }
        return clkTck;
    }

    /** @return utime + stime of the process in clock ticks (fields 14 and 15 of /proc/PID/stat) */
    private static long cpuTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * @return user, nice and system clock ticks of the whole machine (/proc/stat; irq and softirq are left out, as
     *         loopback traffic lands there and in no process) minus those of this process and every process the
     *         bench started, i.e. what other processes used
     */
    private static long otherTicks() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]);
            long ours = cpuTicks(ProcessHandle.current().pid());
            for (Started s : STARTED) {
                ours += Stream.concat(Stream.of(s.process.toHandle()), s.process.descendants())
                        .mapToLong(h -> Math.max(0, cpuTicks(h.pid()))).sum();
            }
            return busy - ours;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static long rssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // process gone
        }
        return -1;
    }

    // ------------------------------------------------------------------------------------------------------------
    // load generator

    enum Api { OPENAI, ANTHROPIC }

    private static final class Row {
        final String scenario;
        final String target;
        final List<Long> latency = Collections.synchronizedList(new ArrayList<>());
        final List<Long> ttft = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger ok = new AtomicInteger();
        final AtomicInteger errors = new AtomicInteger();
        final AtomicLong rssPeak = new AtomicLong(-1);
        volatile String firstError;
        boolean stream;
        boolean cut;
        double seconds;
        double cpuUsPerReq = Double.NaN;
        long rssAfterKb = -1;
        long rssPeakKb = -1;
        double startupMs = Double.NaN;
        double idleMsPerS = Double.NaN;

        Row(String scenario, String target) {
            this.scenario = scenario;
            this.target = target;
        }
    }

    private static final class Load {
        final int port;
        final Api api;
        final long pid;
        final String lastWord;
        final long deadline;
        final AtomicInteger seq = new AtomicInteger();

        /**
         * @param pid      process whose CPU and RSS are measured
         * @param lastWord the last frame's word, which every stream must deliver
         */
        Load(int port, Api api, long pid, String lastWord, long deadline) {
            this.port = port;
            this.api = api;
            this.pid = pid;
            this.lastWord = lastWord;
            this.deadline = deadline;
        }

        /** Runs {@code count} requests from {@code clients} threads, each on its own keep-alive connection. */
        Row run(Row row, int clients, int count, boolean stream) {
            row.stream = stream;
            AtomicInteger next = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            Thread sampler = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    row.rssPeak.accumulateAndGet(rssKb(pid), Math::max);
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "bench-rss");
            sampler.setDaemon(true);
            long ticks0 = cpuTicks(pid);
            long t0 = System.nanoTime();
            sampler.start();
            List<Future<?>> futures = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                futures.add(pool.submit(() -> {
                    Conn conn = null;
                    try {
                        while (next.getAndIncrement() < count) {
                            if (System.nanoTime() > deadline) {
                                row.cut = true;
                                return null;
                            }
                            if (conn == null || conn.closed) {
                                try {
                                    conn = new Conn(port);
                                } catch (IOException e) {
                                    fail(row, "connect: " + e);
                                    continue;
                                }
                            }
                            one(conn, row, stream);
                        }
                    } finally {
                        if (conn != null) {
                            conn.close();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    fail(row, e.getCause().toString());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    row.cut = true;
                }
            }
            row.seconds = (System.nanoTime() - t0) / 1e9;
            long ticks1 = cpuTicks(pid);
            sampler.interrupt();
            pool.shutdown();
            int done = row.ok.get() + row.errors.get();
            if (ticks0 >= 0 && ticks1 >= 0 && done > 0) {
                row.cpuUsPerReq = (ticks1 - ticks0) * 1e6 / clkTck() / done;
            }
            row.rssAfterKb = rssKb(pid);
            row.rssPeakKb = Math.max(row.rssPeak.get(), row.rssAfterKb);
            if (row.firstError != null) {
                System.err.printf("bench: %s %s: %d errors, first: %s%n", row.target, row.scenario,
                        row.errors.get(), row.firstError);
            }
            return row;
        }

        /** One request on {@code conn}; a failure closes it, so the next request reconnects. */
        private void one(Conn conn, Row row, boolean stream) {
            int n = seq.incrementAndGet();
            String text = (stream ? STREAM_MARKER : FAST_MARKER) + " bench " + n;
            String body = api == Api.ANTHROPIC
                    ? "{\"model\":\"kmodel\",\"max_tokens\":1024,\"stream\":" + stream
                    + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}"
                    : "{\"model\":\"kmodel\",\"stream\":" + stream
                    + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}";
            String path = api == Api.ANTHROPIC ? "/v1/messages" : "/v1/chat/completions";
            long t0 = System.nanoTime();
            try {
                SseWatch watch = stream ? new SseWatch(api, lastWord) : null;
                Response r = conn.exchange("POST", path, body.getBytes(StandardCharsets.UTF_8), watch);
                long t1 = System.nanoTime();
                String problem = r.status != 200 ? "HTTP " + r.status + ": " + r.bodyText()
                        : stream ? watch.problem()
                        : r.bodyText().contains(FAST_REPLY.get(0).trim()) ? null : "reply text missing: "
                        + r.bodyText();
                if (problem != null) {
                    fail(row, problem);
                } else {
                    row.ok.incrementAndGet();
                    row.latency.add(t1 - t0);
                    if (stream) {
                        row.ttft.add(watch.firstContentNanos - t0);
                    }
                }
            } catch (IOException | RuntimeException e) {
                fail(row, e.toString());
                conn.close();
            }
        }

        private static void fail(Row row, String problem) {
            row.errors.incrementAndGet();
            if (row.firstError == null) {
                row.firstError = problem.length() > 300 ? problem.substring(0, 300) + "…" : problem;
            }
        }
    }

    /** Watches SSE lines as they arrive: time of the first content frame, the end marker, the last word. */
    private static final class SseWatch {
        final Api api;
        final String lastWord;
        long firstContentNanos = -1;
        boolean ended;
        boolean sawLastWord;

        SseWatch(Api api, String lastWord) {
            this.api = api;
            this.lastWord = lastWord;
        }

        void line(String line, long now) {
            if (!line.startsWith("data:") && !line.startsWith("event:")) {
                return;
            }
            if (firstContentNanos < 0 && isContent(line)) {
                firstContentNanos = now;
            }
            if (api == Api.OPENAI ? line.startsWith("data: [DONE]") : line.contains("message_stop")) {
                ended = true;
            }
            sawLastWord |= line.contains(lastWord);
        }

        private boolean isContent(String line) {
            if (api == Api.ANTHROPIC) {
                return line.contains("\"text_delta\"");
            }
            int i = line.indexOf("\"content\":\"");
            return i >= 0 && i + 11 < line.length() && line.charAt(i + 11) != '"';
        }

        String problem() {
            return firstContentNanos < 0 ? "no content frame"
                    : !ended ? "stream ended without its end marker"
                    : !sawLastWord ? "last frame (" + lastWord + ") missing" : null;
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // raw HTTP/1.1 client: one keep-alive connection, Content-Length and chunked bodies

    private record Response(int status, byte[] body) {
        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private static final class Conn implements AutoCloseable {
        final int port;
        final Socket socket;
        final InputStream in;
        final OutputStream out;
        boolean closed;

        Conn(int port) throws IOException {
            this.port = port;
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(30_000);
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
            in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
            out = socket.getOutputStream();
        }

        Response exchange(String method, String path, byte[] body, SseWatch watch) throws IOException {
            StringBuilder req = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1:")
                    .append(port).append("\r\n");
            if (body != null) {
                req.append("Content-Type: application/json\r\nContent-Length: ").append(body.length).append("\r\n");
            }
            if (watch != null) {
                req.append("Accept: text/event-stream\r\n");
            }
            req.append("\r\n");
            byte[] head = req.toString().getBytes(StandardCharsets.US_ASCII);
            byte[] all = Arrays.copyOf(head, head.length + (body == null ? 0 : body.length));
            if (body != null) {
                System.arraycopy(body, 0, all, head.length, body.length);
            }
            out.write(all); // one segment: headers and body
            out.flush();
            String status = readLine();
            String[] parts = status.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
                throw new IOException("bad status line: " + status);
            }
            int code = Integer.parseInt(parts[1]);
            long length = -1;
            boolean chunked = false;
            boolean close = parts[0].equals("HTTP/1.0");
            for (String h = readLine(); !h.isEmpty(); h = readLine()) {
                String lower = h.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    length = Long.parseLong(lower.substring(15).trim());
                } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                    chunked = true;
                } else if (lower.startsWith("connection:")) {
                    close = lower.contains("close");
                }
            }
            Body sink = new Body(watch);
            if (chunked) {
                while (true) {
                    String size = readLine();
                    int semi = size.indexOf(';');
                    int n = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
                    if (n == 0) {
                        while (!readLine().isEmpty()) {
                            // trailers
                        }
                        break;
                    }
                    copy(n, sink);
                    readLine();
                }
            } else if (length >= 0) {
                copy(length, sink);
            } else {
                byte[] buf = new byte[8192];
                for (int r; (r = in.read(buf)) > 0; ) {
                    sink.write(buf, 0, r);
                }
                close = true;
            }
            if (close) {
                close();
            }
            return new Response(code, sink.bytes.toByteArray());
        }

        private void copy(long n, Body sink) throws IOException {
            byte[] buf = new byte[8192];
            while (n > 0) {
                int r = in.read(buf, 0, (int) Math.min(buf.length, n));
                if (r < 0) {
                    throw new EOFException("connection closed inside a body");
                }
                sink.write(buf, 0, r);
                n -= r;
            }
        }

        private String readLine() throws IOException {
            StringBuilder sb = new StringBuilder();
            for (int b; (b = in.read()) != '\n'; ) {
                if (b < 0) {
                    throw new EOFException("connection closed");
                }
                if (b != '\r') {
                    sb.append((char) b);
                }
            }
            return sb.toString();
        }

        @Override
        public void close() {
            closed = true;
            try {
                socket.close();
            } catch (IOException e) {
                // nothing to do
            }
        }
    }

    /** Collects a body and, for SSE, splits it into lines as bytes arrive. */
    private static final class Body {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final SseWatch watch;
        final StringBuilder line = new StringBuilder();

        Body(SseWatch watch) {
            this.watch = watch;
        }

        void write(byte[] buf, int off, int len) {
            bytes.write(buf, off, len);
            if (watch == null) {
                return;
            }
            long now = System.nanoTime();
            for (int i = off; i < off + len; i++) {
                char c = (char) (buf[i] & 0xff);
                if (c == '\n') {
                    watch.line(line.toString(), now);
                    line.setLength(0);
                } else if (c != '\r') {
                    line.append(c);
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // direct upstream: OpenAI chat completions with the simulator's timing

    private static final class DirectUpstream {
        static void serve(Map<String, String> opt) throws Exception {
            int port = num(opt, "port", 18303);
            List<String> stream = words("s", num(opt, "frames", 100));
            long firstMs = num(opt, "first-chunk-ms", 10);
            long chunkMs = num(opt, "chunk-ms", 2);
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1024);
            server.setExecutor(Executors.newCachedThreadPool());
            server.createContext("/health", ex -> send(ex, 200, "application/json", "{\"ok\":true}"));
            server.createContext("/v1/chat/completions", ex -> {
                String req = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                String id = "chatcmpl-" + Long.toHexString(System.nanoTime());
                long created = System.currentTimeMillis() / 1000;
                if (!req.contains("\"stream\":true")) {
                    send(ex, 200, "application/json", "{\"id\":\"" + id + "\",\"object\":\"chat.completion\","
                            + "\"created\":" + created + ",\"model\":\"kmodel\",\"choices\":[{\"index\":0,"
                            + "\"message\":{\"role\":\"assistant\",\"content\":\"" + String.join("", FAST_REPLY)
                            + "\"},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":3,"
                            + "\"completion_tokens\":20,\"total_tokens\":23}}");
                    return;
                }
                String head = "data: {\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":"
                        + created + ",\"model\":\"kmodel\",\"choices\":[{\"index\":0,\"delta\":";
                ex.getResponseHeaders().set("Content-Type", "text/event-stream");
                ex.getResponseHeaders().set("Cache-Control", "no-cache");
                ex.sendResponseHeaders(200, 0);
                try (OutputStream out = ex.getResponseBody()) {
                    frame(out, head + "{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}");
                    for (int i = 0; i < stream.size(); i++) {
                        sleep(i == 0 ? firstMs : chunkMs);
                        frame(out, head + "{\"content\":\"" + stream.get(i) + "\"},\"finish_reason\":null}]}");
                    }
                    frame(out, head + "{},\"finish_reason\":\"stop\"}]}");
                    frame(out, "data: [DONE]");
                }
            });
            server.start();
            System.out.println("direct upstream on http://127.0.0.1:" + port + "/v1/chat/completions");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> server.stop(0)));
            Thread.currentThread().join();
        }

        private static void frame(OutputStream out, String data) throws IOException {
            out.write((data + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", type);
            ex.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }

        private static void sleep(long ms) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // output and options

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    private static void printTable(List<Row> rows) {
        System.out.println("| scenario | target | ok / err | req/s | latency p50 / p99 ms | TTFT p50 / p99 ms"
                + " | CPU µs/req | RSS after / peak MiB |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        List<String> order = new ArrayList<>();
        Map<String, List<Row>> byScenario = new LinkedHashMap<>();
        for (Row r : rows) {
            if (!byScenario.containsKey(r.scenario)) {
                order.add(r.scenario);
            }
            byScenario.computeIfAbsent(r.scenario, k -> new ArrayList<>()).add(r);
        }
        order.sort(Comparator.comparingInt(s -> s.startsWith("start-up") ? 2 : s.startsWith("idle") ? 3
                : s.startsWith("SSE") ? 1 : 0));
        for (String scenario : order) {
            for (Row r : byScenario.get(scenario)) {
                if (!Double.isNaN(r.idleMsPerS)) {
                    System.out.printf(Locale.ROOT, "| %s | %s | | | | | %.1f ms/s | %s |%n", r.scenario, r.target,
                            r.idleMsPerS, mib(r.rssAfterKb));
                    continue;
                }
                if (!Double.isNaN(r.startupMs)) {
                    System.out.printf("| %s | %s | | | %.0f ms | | | %s |%n", r.scenario, r.target, r.startupMs,
                            mib(r.rssAfterKb));
                    continue;
                }
                System.out.printf("| %s | %s | %d / %d%s | %.0f | %s | %s | %s | %s / %s |%n", r.scenario, r.target,
                        r.ok.get(), r.errors.get(), r.cut ? " (cut at time limit)" : "",
                        r.ok.get() / r.seconds, pair(r.latency), r.stream ? pair(r.ttft) : "–",
                        Double.isNaN(r.cpuUsPerReq) ? "–" : String.format(Locale.ROOT, "%.0f", r.cpuUsPerReq),
                        mib(r.rssAfterKb), mib(r.rssPeakKb));
            }
        }
    }

    private static String pair(List<Long> nanos) {
        return String.format(Locale.ROOT, "%s / %s", ms(pct(nanos, 50)), ms(pct(nanos, 99)));
    }

    private static String ms(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, v < 10 ? "%.2f" : "%.1f", v);
    }

    private static String mib(long kb) {
        return kb < 0 ? "–" : String.valueOf(Math.round(kb / 1024.0));
    }

    /** Nearest-rank percentile in milliseconds. */
    private static double pct(List<Long> values, int p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int idx = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, idx))) / 1e6;
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> opt = new LinkedHashMap<>();
        for (String a : args) {
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unknown argument: " + a + "\n" + USAGE);
            }
            int eq = a.indexOf('=');
            opt.put(eq < 0 ? a.substring(2) : a.substring(2, eq), eq < 0 ? "" : a.substring(eq + 1));
        }
        return opt;
    }

    private static int num(Map<String, String> opt, String name, int def) {
        return opt.containsKey(name) ? Integer.parseInt(opt.get(name).trim()) : def;
    }

    /** @return {@code C:N} pairs of a comma-separated list */
    private static List<int[]> levels(String spec) {
        List<int[]> out = new ArrayList<>();
        for (String part : spec.split(",")) {
            if (!part.isBlank()) {
                String[] cn = part.trim().split(":");
                out.add(new int[] {Integer.parseInt(cn[0]), Integer.parseInt(cn[1])});
            }
        }
        return out;
    }

    private static List<String> command(String flag, String env, List<String> def) {
        String spec = flag != null ? flag : env;
        return spec == null || spec.isBlank() ? new ArrayList<>(def) : split(spec);
    }

    private static List<String> split(String spec) {
        return new ArrayList<>(List.of(spec.trim().split("\\s+")));
    }

    private static List<String> tail(Path file, int n) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
            return lines.subList(Math.max(0, lines.size() - n), lines.size());
        } catch (IOException e) {
            return List.of();
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // temporary directory: the OS cleans it eventually
        }
    }
}
