package io.lingma.gateway.simulator.remote;

/**
 * A login the remote simulator accepts (lingma-remote.md §11.2). The values are opaque test strings; the simulator
 * matches them, it cannot (and need not) decrypt them (§3.8).
 *
 * @param uid             {@code uid} / {@code Cosy-User}
 * @param cosyKey         {@code cosy_key} / {@code Cosy-Key}
 * @param encryptUserInfo {@code encrypt_user_info}, the auth payload {@code info} the account is looked up by
 * @param machineId       {@code machine_id} / {@code Cosy-Machineid}; at least 16 characters (AES key, §3.3)
 * @param modelListJson   the model-list answer for this account (scene object or wrapped form); null = the §11.3
 *                        default catalogue
 * @param expired         true: requests are answered {@code 403 {"code":"105","message":"Login expired"}}
 */
public record RemoteSimulatorAccount(String uid, String cosyKey, String encryptUserInfo, String machineId,
                                     String modelListJson, boolean expired) {

    /** @return the built-in demo account (synthetic values, marked as simulator values) */
    public static RemoteSimulatorAccount demo() {
        return new RemoteSimulatorAccount("10001", "SIMULATOR_COSY_KEY_0001", "SIMULATOR_ENCRYPT_USER_INFO_0001",
                "simulator-machine-id-0123456789", null, false);
    }

    /** @param value the new flag @return a copy with {@code expired} set */
    public RemoteSimulatorAccount withExpired(boolean value) {
        return new RemoteSimulatorAccount(uid, cosyKey, encryptUserInfo, machineId, modelListJson, value);
    }

    /** @param json scene object or wrapped form; null = default @return a copy with that model list */
    public RemoteSimulatorAccount withModelListJson(String json) {
        return new RemoteSimulatorAccount(uid, cosyKey, encryptUserInfo, machineId, json, expired);
    }

    /** Hides the secret values. */
    @Override
    public String toString() {
        return "RemoteSimulatorAccount[uid=" + uid + ", expired=" + expired + "]";
    }
}
