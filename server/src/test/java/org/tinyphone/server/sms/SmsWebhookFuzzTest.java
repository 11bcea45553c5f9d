package org.tinyphone.server.sms;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.tinyphone.sim.fuzz.FuzzCheck.require;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.net.InetAddress;
import java.net.URLEncoder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.tinyphone.server.bridge.Bridge;
import org.tinyphone.server.bridge.CallEvent;
import org.tinyphone.server.bridge.Numbers;
import org.tinyphone.server.config.AddressAllowList;

/**
 * Any HTTP request to the SMS webhook (on 12004 and the HTTP port, open to whoever {@code sms.allow} lets in):
 * method, target, headers and form body chosen by the fuzzer, with and without an auth token. The webhook never
 * throws and answers with one of its statuses; it delivers a text message exactly when it answers 200, and then
 * with exactly the To (normal form), From and Body the form carried; a well-formed message (and, with a token, a
 * right signature) is never refused.
 */
class SmsWebhookFuzzTest {
    private static final String TOKEN = "fuzz-auth-token";
    private static final Set<Integer> STATUSES = Set.of(200, 400, 403, 405, 415, 429);
    private static final Bridge BRIDGE = new Bridge();
    private static final List<CallEvent.Sms> DELIVERED = new ArrayList<>();
    private static final SmsWebhook OPEN = webhook("");
    private static final SmsWebhook SIGNED = webhook(TOKEN);
    private static final TwilioSignature SIGNER = new TwilioSignature(TOKEN);

    static {
        BRIDGE.subscribe(Bridge.ALL_NUMBERS, event -> {
            if (event instanceof CallEvent.Sms sms) DELIVERED.add(sms);
        });
    }

    private static SmsWebhook webhook(String token) {
        return new SmsWebhook(BRIDGE, new SmsWebhook.Settings("", token, "", AddressAllowList.parse("*"), 1_000_000));
    }

    @FuzzTest
    @DictionaryFile(resourcePath = "sms.dict")
    void request(FuzzedDataProvider data) {
        boolean signed = data.consumeBoolean();
        boolean post = data.consumeInt(0, 15) != 0;
        boolean formType = data.consumeInt(0, 7) != 0;
        boolean browser = data.consumeInt(0, 15) == 0;
        boolean rightSignature = data.consumeBoolean();
        String host = data.consumeBoolean() ? "sms.example.org:12004" : text(data, 40);
        String target = SmsWebhook.PATH + (data.consumeBoolean() ? "" : "?" + text(data, 40));
        String to = text(data, 40);
        String from = text(data, 40);
        String text = text(data, 200);
        boolean structured = data.consumeBoolean();
        String extra = new String(data.consumeRemainingAsBytes(), UTF_8);
        String body = structured ? "To=" + enc(to) + "&From=" + enc(from) + "&Body=" + enc(text) + (extra.isEmpty() ? "" : "&" + extra) : extra;

        Map<String, String> headers = new HashMap<>();
        headers.put("host", host);
        if (formType) headers.put("content-type", "application/x-www-form-urlencoded; charset=UTF-8");
        if (browser) headers.put("origin", "https://evil.example.com");
        if (signed && rightSignature) {
            try {
                headers.put("x-twilio-signature", SIGNER.sign("http://" + host.trim() + target, SmsWebhook.parseForm(body)));
            } catch (IllegalArgumentException e) {
                // not a form: no signature can be made for it, the webhook refuses it anyway
            }
        } else if (signed) {
            headers.put("x-twilio-signature", text);
        }
        SmsWebhook.Request request = new SmsWebhook.Request(post ? "POST" : "GET", target,
                name -> headers.get(name.toLowerCase(Locale.ROOT)), InetAddress.getLoopbackAddress(), false, body.getBytes(UTF_8));

        DELIVERED.clear();
        SmsWebhook.Reply reply = (signed ? SIGNED : OPEN).handle(request);
        require(reply != null && STATUSES.contains(reply.status()) && reply.body() != null, () -> "one of the webhook's answers: " + reply);
        require((reply.status() == 200) == (DELIVERED.size() == 1) && DELIVERED.size() <= 1,
                () -> "a message is delivered exactly when the answer is 200: " + reply.status() + ", " + DELIVERED);
        if (!structured || !post || !formType || browser || signed && !rightSignature) return;
        // a well-formed form: the first To, From and Body are these (the fuzzer's extra fields come after them)
        String number = Numbers.normalize(to);
        boolean wellFormed = !number.isEmpty() && number.length() <= 64 && !number.equals(Bridge.ALL_NUMBERS)
                && number.chars().noneMatch(c -> c < 0x20 || c == 0x7f) && from.length() <= 256
                && extra.split("&", -1).length + 3 <= SmsWebhook.MAX_FIELDS && formOk(extra);
        if (!wellFormed) return;
        require(reply.status() == 200, () -> "a well-formed message is taken: " + reply);
        CallEvent.Sms sms = DELIVERED.get(0);
        require(sms.number().equals(number) && sms.from().equals(from.startsWith("+") ? from.substring(1) : from)
                && sms.body().equals(text), () -> "delivered as sent: " + sms + " for To=" + to + " From=" + from + " Body=" + text);
    }

    /** Whether the extra fields are a form the decoder reads (else the whole body is refused, rightly). */
    private static boolean formOk(String extra) {
        try {
            SmsWebhook.parseForm(extra);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, UTF_8);
    }

    private static String text(FuzzedDataProvider data, int maxBytes) {
        return new String(data.consumeBytes(data.consumeInt(0, maxBytes)), UTF_8);
    }
}
