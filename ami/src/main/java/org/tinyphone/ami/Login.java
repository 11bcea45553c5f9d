package org.tinyphone.ami;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs a new session in: {@code Secret}, or the MD5 challenge ({@code Challenge} then {@code Key =
 * md5hex(challenge + secret)}), with the current event mask as {@code Events:}; then adds the filters again.
 */
final class Login {
    private static final Logger log = LoggerFactory.getLogger(ManagerConnection.class);   // the logger users configure

    private Login() {}

    /** Blocks until logged in; throws {@link AmiException.AuthenticationFailed} when refused. */
    static void run(Session s, ManagerConfig cfg, String eventMask, List<String> filters, Supplier<String> ids) {
        String where = cfg.address();
        AmiAction login = AmiAction.of("Login");
        if (cfg.md5()) {
            AmiResponse ch = ManagerConnection.await(s.send(AmiAction.of("Challenge").add("AuthType", "MD5"), cfg.actionTimeout(), ids.get()));
            String challenge = ch.get("Challenge");
            if (!ch.isSuccess() || challenge == null) {
                throw new AmiException.AuthenticationFailed("MD5 challenge refused by " + where + ": " + ch.text());
            }
            login.add("AuthType", "MD5").add("Username", cfg.username()).add("Key", md5Hex(challenge + cfg.secret()));
        } else {
            login.add("Username", cfg.username()).add("Secret", cfg.secret());
        }
        if (eventMask != null) login.add("Events", eventMask);
        AmiResponse r = ManagerConnection.await(s.send(login, cfg.actionTimeout(), ids.get()));
        if (!r.isSuccess()) {
            throw new AmiException.AuthenticationFailed("Asterisk at " + where + " refused login as '" + cfg.username() + "': "
                    + (r.text() == null ? r.response() : r.text()));
        }
        for (String f : filters) {
            s.send(filterAction(f), cfg.actionTimeout(), ids.get()).whenComplete((fr, fe) -> {
                if (fe != null || !fr.isSuccess()) log.warn("re-adding AMI filter '{}' failed: {}", f, fe != null ? fe.getMessage() : fr.text());
            });
        }
    }

    static AmiAction filterAction(String filter) {
        return AmiAction.of("Filter").add("Operation", "Add").add("Filter", filter);
    }

    /** Lowercase hex MD5 as Asterisk expects for {@code Key}. */
    static String md5Hex(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
