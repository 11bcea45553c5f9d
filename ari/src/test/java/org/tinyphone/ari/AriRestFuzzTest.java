package org.tinyphone.ari;

import static org.tinyphone.sim.fuzz.FuzzCheck.documented;
import static org.tinyphone.sim.fuzz.FuzzCheck.require;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.reflect.RecordComponent;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Any answer from Asterisk's REST (status, reason phrase, body) as {@link Ari}'s typed calls read it. The reading is
 * separable from the wire: both transports (HTTP and REST over the WebSocket) hand {@code Ari} a {@link RestResponse},
 * so the fuzzer's answer goes in there, no socket. Promise: each call returns its typed result (never null, no null in
 * a list, every field and method of the record reads) or throws an {@link AriException} with a message; an
 * {@link AriHttpException} exactly when the status is not 2xx (a variable's 404 is "not set"), carrying that status;
 * the messages show no control character from the answer (they reach logs); a failure is counted once, by its kind
 * ({@code http-status} or {@code bad-answer}), a result not at all. Anything else is a finding.
 */
class AriRestFuzzTest {
    private static final int[] STATUSES = {200, 201, 204, 400, 401, 404, 409, 422, 500, 503};

    /** Every typed read of Ari, by number. */
    private static final List<Function<Ari, Object>> CALLS = List.of(
            a -> a.channels().list(),
            a -> a.channels().get("1796391224.62"),
            a -> a.channels().getVariable("1796391224.62", "CALLERID(dnid)"),
            a -> a.channels().play("1796391224.62", Play.of("sound:hello-world")),
            a -> a.channels().record("1796391224.62", RecordOptions.of("r1", "wav")),
            a -> a.channels().snoop("1796391224.62", "app", "both", "none", null, "snoop-1"),
            a -> a.channels().originate(Originate.toApp("PJSIP/100", "app")),
            a -> a.channels().create("PJSIP/100", "app", null, "c-1"),
            a -> a.channels().externalMedia(ExternalMedia.rtp("app", "127.0.0.1:4000", "ulaw")),
            a -> { a.channels().answer("1796391224.62"); return "answered"; },
            a -> a.bridges().list(),
            a -> a.bridges().get("b-1"),
            a -> a.bridges().create("mixing", "b-1", "name"),
            a -> a.bridges().play("b-1", Play.of("sound:beep")),
            a -> a.playbacks().get("p-1"),
            a -> a.recordings().live("r1"),
            a -> a.recordings().stored(),
            a -> a.recordings().stored("r1"),
            a -> a.recordings().copyStored("r1", "r2"),
            a -> a.asterisk().info(),
            a -> a.asterisk().ping(),
            a -> a.asterisk().getGlobalVariable("G"),
            a -> a.applications().list(),
            a -> a.applications().get("app"));

    @FuzzTest
    @DictionaryFile(resourcePath = "ari.dict")
    void answer(FuzzedDataProvider data) {
        int which = data.consumeInt(0, CALLS.size() - 1);
        int status = data.consumeBoolean() ? STATUSES[data.consumeInt(0, STATUSES.length - 1)] : data.consumeInt();
        String reason = data.consumeBoolean() ? null : data.consumeString(40);
        String body = data.consumeRemainingAsString();
        RestResponse answer = new RestResponse(status, reason, body);
        RestTransport asterisk = new RestTransport() {
            @Override
            public RestResponse call(RestRequest r) { return answer; }

            @Override
            public String where() { return "http://127.0.0.1:8088/ari/"; }
        };
        RestFailures failures = new RestFailures();
        Ari ari = new Ari(() -> asterisk, id -> { }, failures);
        Object result;
        try {
            result = CALLS.get(which).apply(ari);
        } catch (AriException e) {
            documented(e, AriException.class);
            require(noControl(e.getMessage()), () -> "a message for the log shows no control character: " + e.getMessage());
            boolean ok = status >= 200 && status < 300;
            if (e instanceof AriHttpException h) {
                require(!ok && h.status() == status, () -> "an HTTP error exactly for a status that is not 2xx: " + status);
            } else {
                require(ok, () -> "a status that is not 2xx is an AriHttpException: " + status + ", " + e);
            }
            RestFailures.Kind kind = e instanceof AriHttpException ? RestFailures.Kind.HTTP_STATUS : RestFailures.Kind.BAD_ANSWER;
            for (RestFailures.Kind k : RestFailures.Kind.values()) {
                require(failures.get(k) == (k == kind ? 1 : 0), () -> "the failure counted once, as " + kind + ": " + k + " " + failures.get(k));
            }
            return;
        }
        require(result != null, "a typed result, never null");
        require(status >= 200 && status < 300 || status == 404 && result instanceof Optional<?> o && o.isEmpty(),
                () -> "a result only for a 2xx answer (or a variable's 404): " + status);
        for (RestFailures.Kind k : RestFailures.Kind.values()) require(failures.get(k) == 0, () -> "a result is no failure: " + k);
        readAll(result);
    }

    /** Reads every field of a result, and every method of it that takes nothing. */
    private static void readAll(Object v) {
        if (v instanceof Optional<?> o) {
            o.ifPresent(AriRestFuzzTest::readAll);
        } else if (v instanceof Collection<?> c) {
            for (Object e : c) {
                require(e != null, "no null in a list");
                readAll(e);
            }
        } else if (v instanceof Map<?, ?> m) {
            m.forEach((k, x) -> readAll(x));
        } else if (v != null && v.getClass().isRecord()) {
            for (RecordComponent rc : v.getClass().getRecordComponents()) {
                try {
                    readAll(rc.getAccessor().invoke(v));
                } catch (ReflectiveOperationException e) {
                    throw new AssertionError("a field of " + v.getClass().getSimpleName() + " does not read", e);
                }
            }
            v.toString();
            if (v instanceof Channel ch) {
                ch.stateCode();
                ch.technology();
            }
        }
    }

    private static boolean noControl(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || c >= 0x80 && c < 0xa0) return false;
        }
        return true;
    }
}
