package org.tinyphone.sim.agi;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds the environment block Asterisk 22 sends to a FastAGI server, in Asterisk's order (capture 01), or with
 * {@link #processAgi()} the one a process AGI or EAGI script reads on stdin (captures 04a, 04b).
 * Unset caller id / dnid read {@code unknown}, as Asterisk writes them.
 */
public final class FastAgiEnvironment {
    private String host = "127.0.0.1";
    private int port = 4573;
    private String script = "hello";
    private String channel = "PJSIP/100-00000001";
    private String uniqueId = "1795446921.1";
    private String callerId = "unknown";
    private String callerIdName = "unknown";
    private String dnid = "unknown";
    private String context = "default";
    private String extension = "s";
    private String priority = "1";
    private String language = "en";
    private String type = "PJSIP";
    private List<String> args = List.of();
    private String threadId = "139868254078656";
    private boolean network = true;

    /** {@code script} is the text after {@code host:port/}, query included, e.g. {@code hello?lang=en}. */
    public static FastAgiEnvironment forScript(String script) {
        FastAgiEnvironment e = new FastAgiEnvironment();
        e.script = script.startsWith("/") ? script.substring(1) : script;
        return e;
    }

    public FastAgiEnvironment server(String host, int port) { this.host = host; this.port = port; return this; }
    public FastAgiEnvironment channel(String channel) { this.channel = channel; return this; }
    public FastAgiEnvironment uniqueId(String uniqueId) { this.uniqueId = uniqueId; return this; }
    public FastAgiEnvironment callerId(String number, String name) {
        this.callerId = number == null || number.isEmpty() ? "unknown" : number;
        this.callerIdName = name == null || name.isEmpty() ? "unknown" : name;
        return this;
    }
    public FastAgiEnvironment dnid(String dnid) { this.dnid = dnid == null || dnid.isEmpty() ? "unknown" : dnid; return this; }
    public FastAgiEnvironment dialplan(String context, String extension, String priority) {
        this.context = context; this.extension = extension; this.priority = priority; return this;
    }
    public FastAgiEnvironment language(String language) { this.language = language; return this; }
    public FastAgiEnvironment args(String... args) { this.args = List.of(args); return this; }
    public FastAgiEnvironment threadId(long threadId) { this.threadId = Long.toString(threadId); return this; }

    /**
     * The process AGI / EAGI form: {@code agi_request} is the script itself, no {@code agi_network} lines, and
     * {@code agi_enhanced: 1.0} (EAGI's audio on fd 3; capture 04b).
     */
    public FastAgiEnvironment processAgi() { this.network = false; return this; }

    public String channel() { return channel; }
    public String callerId() { return callerId; }
    public String callerIdName() { return callerIdName; }
    public String dnid() { return dnid; }

    /** The lines, without the terminating empty line. */
    public List<String> lines() {
        List<String> l = new ArrayList<>(24 + args.size());
        if (network) {
            l.add("agi_network: yes");
            l.add("agi_network_script: " + script);
            l.add("agi_request: agi://" + host + ":" + port + "/" + script);
        } else {
            l.add("agi_request: " + script);
        }
        l.add("agi_channel: " + channel);
        l.add("agi_language: " + language);
        l.add("agi_type: " + type);
        l.add("agi_uniqueid: " + uniqueId);
        l.add("agi_version: 22.10.1");
        l.add("agi_callerid: " + callerId);
        l.add("agi_calleridname: " + callerIdName);
        l.add("agi_callingpres: 0");
        l.add("agi_callingani2: 0");
        l.add("agi_callington: 0");
        l.add("agi_callingtns: 0");
        l.add("agi_dnid: " + dnid);
        l.add("agi_rdnis: unknown");
        l.add("agi_context: " + context);
        l.add("agi_extension: " + extension);
        l.add("agi_priority: " + priority);
        l.add("agi_enhanced: " + (network ? "0.0" : "1.0"));
        l.add("agi_accountcode: ");
        l.add("agi_threadid: " + threadId);
        for (int i = 0; i < args.size(); i++) l.add("agi_arg_" + (i + 1) + ": " + args.get(i));
        return l;
    }
}
