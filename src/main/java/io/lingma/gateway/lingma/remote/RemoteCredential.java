package io.lingma.gateway.lingma.remote;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The login state remote mode signs with (lingma-remote.md §3.1, §3.4). {@link #toString()} and the
 * {@code masked…} helpers never reveal more than the last 4 characters of a value.
 *
 * @param cosyKey          {@code cosy_key} (secret; {@code Cosy-Key} header and signature)
 * @param encryptUserInfo  {@code encrypt_user_info} (secret; auth payload {@code info})
 * @param userId           {@code user_id} / {@code uid} ({@code Cosy-User})
 * @param machineId        {@code machine_id} ({@code Cosy-Machineid}; AES key of {@code cache/user})
 * @param expireTimeMillis {@code expire_time} in Unix milliseconds; 0 = unknown
 * @param organizationId   {@code organization_id} or null (optional {@code Cosy-Organization-Id})
 * @param quotaExceeded    {@code is_quota_exceeded} as cached by the plugin (health warning only)
 * @param source           where it came from: {@code explicit config}, a file path or a cache directory
 */
public record RemoteCredential(String cosyKey, String encryptUserInfo, String userId, String machineId,
                               long expireTimeMillis, String organizationId, boolean quotaExceeded, String source) {

    /** Trims the four values (nulls become empty). */
    public RemoteCredential {
        cosyKey = cosyKey == null ? "" : cosyKey.trim();
        encryptUserInfo = encryptUserInfo == null ? "" : encryptUserInfo.trim();
        userId = userId == null ? "" : userId.trim();
        machineId = machineId == null ? "" : machineId.trim();
        organizationId = organizationId == null || organizationId.isBlank() ? null : organizationId.trim();
        source = source == null ? "" : source;
    }

    /**
     * Checks that all four values are present (§3.7).
     *
     * @return this
     * @throws RemoteCredentialException with {@code remote credential missing <field>} for the first empty field
     */
    public RemoteCredential validate() {
        List<String> missing = missingFields();
        if (!missing.isEmpty()) {
            throw new RemoteCredentialException("remote credential missing " + missing.get(0),
                    List.of(source + ": remote credential missing " + String.join(", ", missing)), null);
        }
        return this;
    }

    /** @return names of the empty required fields, in the order of §3.7 (empty when valid) */
    public List<String> missingFields() {
        List<String> missing = new ArrayList<>();
        if (cosyKey.isEmpty()) {
            missing.add("cosy_key");
        }
        if (encryptUserInfo.isEmpty()) {
            missing.add("encrypt_user_info");
        }
        if (userId.isEmpty()) {
            missing.add("user_id");
        }
        if (machineId.isEmpty()) {
            missing.add("machine_id");
        }
        return missing;
    }

    /**
     * @param now    current time
     * @param margin counts as expired this long before {@code expire_time}
     * @return true when {@code expire_time > 0} and {@code now + margin > expire_time} (§3.7; reported, not enforced)
     */
    public boolean expired(Instant now, Duration margin) {
        return expireTimeMillis > 0 && now.plus(margin).toEpochMilli() > expireTimeMillis;
    }

    /** @return {@code …} + last 4 chars of {@code cosy_key} */
    public String maskedCosyKey() {
        return mask(cosyKey);
    }

    /** @return {@code …} + last 4 chars of the user id */
    public String maskedUserId() {
        return mask(userId);
    }

    /** @return {@code …} + last 4 chars of the machine id */
    public String maskedMachineId() {
        return mask(machineId);
    }

    /**
     * @param value any secret
     * @return {@code …} + the last 4 characters, {@code ****} for values of 4 characters or less, empty for empty
     */
    public static String mask(String value) {
        if (value == null || value.isEmpty()) {
            return "";
        }
        return value.length() <= 4 ? "****" : "…" + value.substring(value.length() - 4);
    }

    /** Masked form: never contains {@code cosy_key}, {@code encrypt_user_info} or full ids. */
    @Override
    public String toString() {
        return "RemoteCredential[userId=" + maskedUserId() + ", machineId=" + maskedMachineId() + ", cosyKey="
                + (cosyKey.isEmpty() ? "unset" : "set") + ", encryptUserInfo="
                + (encryptUserInfo.isEmpty() ? "unset" : "set") + ", expireTimeMillis=" + expireTimeMillis
                + ", organizationId=" + (organizationId == null ? "none" : "set") + ", quotaExceeded="
                + quotaExceeded + ", source=" + source + "]";
    }
}
