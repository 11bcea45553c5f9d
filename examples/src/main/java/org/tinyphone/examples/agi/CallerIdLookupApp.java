package org.tinyphone.examples.agi;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.tinyphone.agi.AgiApp;
import org.tinyphone.agi.AgiChannel;

/**
 * {@code /callerid-lookup}: caller-id name substitution from a directory table, as a PBX admin puts it in
 * front of {@code Dial()}: look the caller's number up, replace the caller-id name with the directory's
 * (SET CALLERID), and let the dialplan continue. The table is embedded ({@code callerid.csv}:
 * {@code number,name} lines); numbers compare by digits only, so {@code +1 555 000-1111} finds
 * {@code 15550001111}. Sets {@code CALLERID_LOOKUP} to {@code found} or {@code not-found}.
 */
public final class CallerIdLookupApp implements AgiApp {
    private final Map<String, String> directory;

    /** Uses the embedded table. */
    public CallerIdLookupApp() { this(load(CallerIdLookupApp.class.getResourceAsStream("callerid.csv"))); }

    public CallerIdLookupApp(Map<String, String> directory) {
        Map<String, String> m = new LinkedHashMap<>();
        directory.forEach((number, name) -> m.put(digits(number), name));
        this.directory = Collections.unmodifiableMap(m);
    }

    /** Reads {@code number,name} lines; blank lines and {@code #} comments are skipped. */
    public static Map<String, String> load(InputStream csv) {
        if (csv == null) throw new IllegalStateException("caller-id table not found");
        Map<String, String> m = new LinkedHashMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(csv, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                line = line.strip();
                if (line.isEmpty() || line.startsWith("#")) continue;
                int comma = line.indexOf(',');
                if (comma <= 0) continue;
                m.put(line.substring(0, comma).strip(), line.substring(comma + 1).strip());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return m;
    }

    /** The directory name for a number, or null. */
    public String lookup(String number) { return directory.get(digits(number)); }

    @Override
    public void run(AgiChannel ch) {
        String number = ch.environment().callerId();
        String name = number.isEmpty() ? null : lookup(number);
        if (name == null) {
            ch.setVariable("CALLERID_LOOKUP", "not-found");
            ch.verbose("callerid-lookup: " + (number.isEmpty() ? "no caller id" : number) + " is not in the directory");
            return;
        }
        String clean = name.replace("\"", "").replace("<", "").replace(">", "");
        ch.setCallerId("\"" + clean + "\" <" + number + ">");
        ch.setVariable("CALLERID_LOOKUP", "found");
        ch.verbose("callerid-lookup: " + number + " is " + clean);
    }

    static String digits(String number) {
        StringBuilder b = new StringBuilder(number.length());
        for (int i = 0; i < number.length(); i++) {
            char c = number.charAt(i);
            if (c >= '0' && c <= '9') b.append(c);
        }
        return b.toString();
    }
}
