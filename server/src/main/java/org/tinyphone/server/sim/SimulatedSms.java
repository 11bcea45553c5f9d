package org.tinyphone.server.sim;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.tinyphone.server.sms.TwilioSignature;

/**
 * A text message as Twilio delivers it to an incoming-message webhook: {@code POST} with the form fields Twilio sends
 * ({@code MessageSid}, {@code AccountSid}, {@code From}, {@code To}, {@code Body}, {@code NumMedia}, the geographic
 * fields, …), signed with {@code X-Twilio-Signature} when an auth token is given.
 *
 * @param to   the number texted (E.164, e.g. +13605162099)
 * @param from the sender (E.164)
 * @param body the text
 */
public record SimulatedSms(String to, String from, String body) {

    /** Twilio's reply to a webhook request: its status and body (TwiML). */
    public record Reply(int status, String body) {}

    /** The fields Twilio posts for this message, in the order it sends them. */
    public Map<String, String> form() {
        String sid = "SM" + hex32();
        Map<String, String> f = new LinkedHashMap<>();
        f.put("ToCountry", "US");
        f.put("ToState", "WA");
        f.put("SmsMessageSid", sid);
        f.put("NumMedia", "0");
        f.put("ToCity", "SEATTLE");
        f.put("FromZip", "10001");
        f.put("SmsSid", sid);
        f.put("FromState", "NY");
        f.put("SmsStatus", "received");
        f.put("FromCity", "NEW YORK");
        f.put("Body", body);
        f.put("FromCountry", "US");
        f.put("To", to);
        f.put("MessagingServiceSid", "MG" + hex32());
        f.put("ToZip", "98101");
        f.put("NumSegments", String.valueOf(Math.max(1, (body.length() + 152) / 153)));
        f.put("ReferralNumMedia", "0");
        f.put("MessageSid", sid);
        f.put("AccountSid", "AC" + hex32());
        f.put("From", from);
        f.put("ApiVersion", "2010-04-01");
        return f;
    }

    /** {@code application/x-www-form-urlencoded}, as Twilio encodes it. */
    public static String encode(Map<String, String> form) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : form.entrySet()) {
            if (!sb.isEmpty()) sb.append('&');
            sb.append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
        }
        return sb.toString();
    }

    /**
     * Posts the message to {@code url} (e.g. {@code http://127.0.0.1:12004/incoming}) as Twilio would.
     *
     * @param authToken Twilio's auth token to sign the request with, or null for no signature
     */
    public Reply post(String url, String authToken) throws IOException, InterruptedException {
        Map<String, String> form = form();
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(15))
                .header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
                .header("User-Agent", "TwilioProxy/1.1")
                .POST(HttpRequest.BodyPublishers.ofString(encode(form)));
        if (authToken != null && !authToken.isEmpty()) {
            List<Map.Entry<String, String>> params = new ArrayList<>(form.entrySet());
            req.header("X-Twilio-Signature", new TwilioSignature(authToken).sign(url, params));
        }
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            HttpResponse<String> r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.body());
        }
    }

    private static String hex32() {
        StringBuilder sb = new StringBuilder(32);
        for (int i = 0; i < 32; i++) sb.append(Character.forDigit(ThreadLocalRandom.current().nextInt(16), 16));
        return sb.toString();
    }
}
