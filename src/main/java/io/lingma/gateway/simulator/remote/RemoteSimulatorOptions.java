package io.lingma.gateway.simulator.remote;

import java.time.Clock;
import java.time.Duration;

/**
 * Configuration of a {@link RemoteSimulator} (lingma-remote.md §11.1, §11.2, §11.4).
 *
 * @param host               bind address; null = {@code 127.0.0.1}
 * @param port               TCP port; 0 = a free port
 * @param checkSignature     verify the MD5 signature (§11.2 step 3)
 * @param checkCosyKey       require {@code Cosy-Key} == registered key
 * @param checkUser          require {@code Cosy-User} == registered uid
 * @param checkMachineId     require {@code Cosy-Machineid} == registered machine id
 * @param skewWindow         accepted {@code |Cosy-Date - now|}; {@link Duration#ZERO} = unchecked
 * @param rejectReplay       reject reused payload {@code requestId}s
 * @param unknownModel       answer to an unknown {@code model_config.key}: {@code envelope} (in-stream 400
 *                           envelope), {@code http400}, or {@code auto} (answer as {@code org_auto})
 * @param ossCatchAll        answer unknown paths with the OSS {@code NoSuchKey} 404 XML (wrong-host tests)
 * @param clock              the simulator clock (for skew checks)
 */
public record RemoteSimulatorOptions(String host, int port, boolean checkSignature, boolean checkCosyKey,
                                     boolean checkUser, boolean checkMachineId, Duration skewWindow,
                                     boolean rejectReplay, String unknownModel, boolean ossCatchAll, Clock clock) {

    /** Fills defaults for nulls. */
    public RemoteSimulatorOptions {
        host = host == null ? "127.0.0.1" : host;
        skewWindow = skewWindow == null ? Duration.ofMinutes(15) : skewWindow;
        unknownModel = unknownModel == null ? "envelope" : unknownModel;
        clock = clock == null ? Clock.systemUTC() : clock;
    }

    /** @return loopback, random port, every check on, 15 min skew window, no replay check, OSS catch-all on */
    public static RemoteSimulatorOptions defaults() {
        return new RemoteSimulatorOptions("127.0.0.1", 0, true, true, true, true, Duration.ofMinutes(15), false,
                "envelope", true, Clock.systemUTC());
    }

    /** @param value port @return a copy */
    public RemoteSimulatorOptions withPort(int value) {
        return new RemoteSimulatorOptions(host, value, checkSignature, checkCosyKey, checkUser, checkMachineId,
                skewWindow, rejectReplay, unknownModel, ossCatchAll, clock);
    }

    /** @param value signature check on/off @return a copy */
    public RemoteSimulatorOptions withCheckSignature(boolean value) {
        return new RemoteSimulatorOptions(host, port, value, checkCosyKey, checkUser, checkMachineId, skewWindow,
                rejectReplay, unknownModel, ossCatchAll, clock);
    }

    /**
     * @param cosyKey   check {@code Cosy-Key}
     * @param user      check {@code Cosy-User}
     * @param machineId check {@code Cosy-Machineid}
     * @return a copy
     */
    public RemoteSimulatorOptions withHeaderChecks(boolean cosyKey, boolean user, boolean machineId) {
        return new RemoteSimulatorOptions(host, port, checkSignature, cosyKey, user, machineId, skewWindow,
                rejectReplay, unknownModel, ossCatchAll, clock);
    }

    /** @param window accepted clock skew; ZERO = unchecked @return a copy */
    public RemoteSimulatorOptions withSkewWindow(Duration window) {
        return new RemoteSimulatorOptions(host, port, checkSignature, checkCosyKey, checkUser, checkMachineId, window,
                rejectReplay, unknownModel, ossCatchAll, clock);
    }

    /** @param value replay protection on/off @return a copy */
    public RemoteSimulatorOptions withRejectReplay(boolean value) {
        return new RemoteSimulatorOptions(host, port, checkSignature, checkCosyKey, checkUser, checkMachineId,
                skewWindow, value, unknownModel, ossCatchAll, clock);
    }

    /** @param value {@code envelope}, {@code http400} or {@code auto} @return a copy */
    public RemoteSimulatorOptions withUnknownModel(String value) {
        return new RemoteSimulatorOptions(host, port, checkSignature, checkCosyKey, checkUser, checkMachineId,
                skewWindow, rejectReplay, value, ossCatchAll, clock);
    }

    /** @param value the simulator clock @return a copy */
    public RemoteSimulatorOptions withClock(Clock value) {
        return new RemoteSimulatorOptions(host, port, checkSignature, checkCosyKey, checkUser, checkMachineId,
                skewWindow, rejectReplay, unknownModel, ossCatchAll, value);
    }
}
