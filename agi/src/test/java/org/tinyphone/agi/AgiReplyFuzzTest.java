package org.tinyphone.agi;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.tinyphone.sim.fuzz.FuzzCheck.documented;
import static org.tinyphone.sim.fuzz.FuzzCheck.require;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Replies from Asterisk, as AsyncAGI hands them over (a whole reply, {@link AgiReply#parse}) and as a stream
 * channel reads them (line by line through {@link AgiReplyDecoder}), then read the way each typed command reads
 * them. Any text may come: only {@link AgiProtocolException} may come out, and every accessor of a parsed reply
 * answers.
 */
class AgiReplyFuzzTest {

    @FuzzTest
    @DictionaryFile(resourcePath = "agi.dict")
    void reply(byte[] input) {
        String text = new String(input, UTF_8);
        try {
            AgiReply r = AgiReply.parse(text);
            readEveryWay(r);
            if (text.indexOf('\n') < 0 && text.indexOf('\r') < 0) {
                require(r.raw().equals(text), "a one-line reply keeps its text as raw()");
            }
        } catch (AgiProtocolException e) {
            documented(e, AgiProtocolException.class);
        }

        AgiReplyDecoder decoder = new AgiReplyDecoder();
        for (String line : text.split("\n", -1)) {
            if (line.endsWith("\r")) line = line.substring(0, line.length() - 1); // as the line reader hands them over
            try {
                AgiReply r = decoder.feed(line);
                if (r != null) readEveryWay(r);
                decoder.takeHangup();
            } catch (AgiProtocolException e) {
                documented(e, AgiProtocolException.class);
                decoder = new AgiReplyDecoder(); // the stream channel ends its session here
            }
        }
    }

    /** Every accessor, and every typed result the channel builds from a reply. */
    private static void readEveryWay(AgiReply r) {
        require(r.status() >= 0 && r.status() <= 999, "a three-digit status");
        require(r.raw() != null && r.text() != null && r.usage() != null, "raw, text and usage are never null");
        if (r.result() != null) require(r.result().indexOf(' ') < 0, "the result token holds no space");
        r.endpos();
        for (String key : new String[] {"endpos", "digit", "results", "score0", "text0", "grammar0", "x"}) r.attribute(key);
        r.data();
        r.isSuccess();
        r.isTrying();
        r.toString();
        try {
            int code = r.resultCode();
            require(Integer.toString(code).equals(r.result()) || r.result().startsWith("+") || r.result().startsWith("0")
                    || r.result().startsWith("-0"), "resultCode() is the number in result()");
            ChannelState.of(code);
            DigitResult d = DigitResult.of(r);
            d.toString();
            RecordResult.of(r).timedOut();
            SpeechResult.of(r).matches().forEach(m -> require(m.text() != null, "a speech match has its text"));
        } catch (AgiProtocolException e) {
            documented(e, AgiProtocolException.class);
        }
        InputResult.of(r).hasDigits();
    }
}
