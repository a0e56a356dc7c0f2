package io.lingma.gateway.simulator;

import io.lingma.gateway.simulator.remote.RemoteSimulator;
import io.lingma.gateway.simulator.remote.RemoteSimulatorOptions;
import io.vertx.core.Vertx;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the Lingma IPC simulator standalone (lingma-ipc.md §10) until the process is killed, e.g. to point a gateway
 * or another Lingma client at it:
 * <pre>{@code
 * java -cp … io.lingma.gateway.simulator.SimulatorMain --port=36510 --data-dir=/tmp/sim --scenarios=my.yaml
 * }</pre>
 * It prints the WebSocket URL and the discovery file path on stdout; point a client at the file with
 * {@code LINGMA_SHARED_CLIENT_INFO=<path>} or at the URL with {@code LINGMA_PROXY_WS_URL=<url>}.
 */
public final class SimulatorMain {

    /** Usage text printed for {@code --help} and on bad arguments. */
    public static final String USAGE = """
            Usage: SimulatorMain [options]
              --port=N                   TCP port on 127.0.0.1 (default 0 = random)
              --host=ADDR                bind address (default 127.0.0.1)
              --data-dir=DIR             base dir of <DIR>/QoderCN/SharedClientCache/.info.json (default: temp dir)
              --layout=qodercn|lingma    discovery subdirectory (default qodercn)
              --legacy-info              also write the legacy .info file
              --machine-token=TOKEN      require the Cosy-MachineToken handshake header
              --scenarios=FILE[,FILE]    extra YAML/JSON scenario files, matched before the built-in ones
              --session-new-unsupported  answer session/new with -32601 (VS Code-extension-only runtime)
              --chunk-delay-ms=N         default delay between streamed chunks (default 10)
              --remote-port=N            also serve Lingma's remote HTTP API on this port (0 = random)
              --plugin-cache=DIR         with --remote-port: write a fake plugin login cache (cache/id, cache/user)
              --help                     print this text
            """;

    private SimulatorMain() {
    }

    /**
     * Starts the simulator on a private Vert.x instance and blocks until the JVM shuts down (the shutdown hook stops
     * the simulator, removing its discovery file). Exits with status 2 on bad arguments.
     *
     * @param args see {@link #USAGE}
     * @throws InterruptedException if the main thread is interrupted while waiting
     */
    public static void main(String[] args) throws InterruptedException {
        if (List.of(args).contains("--help")) {
            System.out.print(USAGE);
            return;
        }
        SimulatorOptions options;
        Integer remotePort = null;
        Path pluginCache = null;
        List<String> ipcArgs = new java.util.ArrayList<>();
        for (String arg : args) {
            if (arg.startsWith("--remote-port=")) {
                remotePort = number("--remote-port", arg.substring("--remote-port=".length()));
            } else if (arg.startsWith("--plugin-cache=")) {
                pluginCache = Path.of(required("--plugin-cache", arg.substring("--plugin-cache=".length())));
            } else {
                ipcArgs.add(arg);
            }
        }
        try {
            options = parseArgs(ipcArgs.toArray(String[]::new));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        }
        Vertx vertx = Vertx.vertx();
        LingmaSimulator simulator = new LingmaSimulator(vertx, options);
        RemoteSimulator remote = remotePort == null ? null
                : new RemoteSimulator(vertx, RemoteSimulatorOptions.defaults().withPort(remotePort));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (remote != null) {
                remote.stop();
            }
            simulator.stop();
            vertx.close();
            stopped.countDown();
        }, "lingma-simulator-shutdown"));
        try {
            simulator.start();
            if (remote != null) {
                remote.start();
            }
        } catch (RuntimeException e) {
            // without this the Vert.x threads would keep a JVM alive that has nothing to serve
            simulator.stop();
            vertx.close();
            throw e;
        }
        System.out.println("Lingma IPC simulator (NOT a real Lingma backend)");
        System.out.println("websocket: " + simulator.wsUrl());
        System.out.println("discovery: " + simulator.discoveryFile());
        if (remote != null) {
            System.out.println("Lingma remote API simulator (NOT the real Lingma service)");
            System.out.println("base-url:  " + remote.baseUrl());
            if (pluginCache != null) {
                remote.writePluginCache(pluginCache, remote.defaultAccount());
                System.out.println("plugin login cache: " + pluginCache.toAbsolutePath());
            }
        }
        System.out.flush();
        stopped.await();
    }

    /**
     * Turns command-line arguments into options (see {@link #USAGE}); unknown arguments are rejected.
     *
     * @param args {@code --name=value} and flag arguments
     * @return the options, starting from {@link SimulatorOptions#defaults()}
     * @throws IllegalArgumentException on an unknown argument, a missing value or a non-numeric number
     */
    public static SimulatorOptions parseArgs(String... args) {
        SimulatorOptions options = SimulatorOptions.defaults();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            String name = eq < 0 ? arg : arg.substring(0, eq);
            String value = eq < 0 ? null : arg.substring(eq + 1);
            options = switch (name) {
                case "--port" -> options.withPort(number(name, value));
                case "--host" -> options.withHost(required(name, value));
                case "--data-dir" -> options.withDataDir(Path.of(required(name, value)));
                case "--layout" -> options.withDiscoveryLayout(required(name, value));
                case "--legacy-info" -> options.withWriteLegacyInfo(flag(name, value));
                case "--machine-token" -> options.withMachineToken(required(name, value));
                case "--scenarios" -> options.withScenarioFiles(paths(required(name, value)));
                case "--session-new-unsupported" -> options.withSessionNewUnsupported(flag(name, value));
                case "--chunk-delay-ms" -> options.withDefaultChunkDelayMs(number(name, value));
                default -> throw new IllegalArgumentException("unknown argument: " + arg);
            };
        }
        return options;
    }

    private static String required(String name, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " needs a value: " + name + "=…");
        }
        return value;
    }

    private static int number(String name, String value) {
        try {
            return Integer.parseInt(required(name, value).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number, got '" + value + "'", e);
        }
    }

    private static boolean flag(String name, String value) {
        if (value == null || value.equalsIgnoreCase("true")) {
            return true;
        }
        if (value.equalsIgnoreCase("false")) {
            return false;
        }
        throw new IllegalArgumentException(name + " takes no value or true/false, got '" + value + "'");
    }

    private static List<Path> paths(String value) {
        List<Path> files = new ArrayList<>();
        for (String part : value.split(",")) {
            if (!part.isBlank()) {
                files.add(Path.of(part.trim()));
            }
        }
        return files;
    }
}
