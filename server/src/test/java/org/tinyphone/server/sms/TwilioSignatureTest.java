package org.tinyphone.server.sms;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TwilioSignatureTest {
    /** The example in Twilio's own documentation of request validation (auth token 12345). */
    static final String URL = "https://mycompany.com/myapp.php?foo=1&bar=2";
    static final List<Map.Entry<String, String>> PARAMS = List.of(Map.entry("CallSid", "CA1234567890ABCDE"),
            Map.entry("Caller", "+12349013030"), Map.entry("Digits", "1234"), Map.entry("From", "+12349013030"),
            Map.entry("To", "+18005551212"));

    @Test
    void twiliosDocumentedExampleSignsToItsDocumentedSignature() {
        assertThat(new TwilioSignature("12345").sign(URL, PARAMS)).isEqualTo("0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
    }

    @Test
    void theOrderOfTheFieldsDoesNotMatterButEveryByteOfThemAndOfTheUrlDoes() {
        TwilioSignature s = new TwilioSignature("12345");
        assertThat(s.valid("0/KCTR6DLpKmkAf8muzZqo1nDgQ=", List.of(URL), PARAMS.reversed())).isTrue();
        assertThat(s.valid("0/KCTR6DLpKmkAf8muzZqo1nDgQ=", List.of(URL + "&x=1"), PARAMS)).isFalse();
        List<Map.Entry<String, String>> changed = new java.util.ArrayList<>(PARAMS);
        changed.set(2, Map.entry("Digits", "1235"));
        assertThat(s.valid("0/KCTR6DLpKmkAf8muzZqo1nDgQ=", List.of(URL), changed)).isFalse();
        assertThat(new TwilioSignature("12346").valid("0/KCTR6DLpKmkAf8muzZqo1nDgQ=", List.of(URL), PARAMS)).isFalse();
        assertThat(s.valid(null, List.of(URL), PARAMS)).isFalse();
        assertThat(s.valid("", List.of(URL), PARAMS)).isFalse();
        // one of several URLs (with and without the port) may match
        assertThat(s.valid("0/KCTR6DLpKmkAf8muzZqo1nDgQ=", List.of("https://mycompany.com:443/myapp.php?foo=1&bar=2", URL),
                PARAMS)).isTrue();
    }
}
