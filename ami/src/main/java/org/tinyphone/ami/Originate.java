package org.tinyphone.ami;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What to originate: a channel to dial, then either a dialplan extension or an application to run on it.
 * Always sent with {@code Async: true}; see {@link ManagerConnection#originate(Originate)}.
 */
public final class Originate {
    private final String channel;
    private String context, exten;
    private int priority = 1;
    private String application, data;
    private String callerId;
    private String account;
    private String channelId;
    private Duration timeout;
    private final List<Map.Entry<String, String>> variables = new ArrayList<>();

    private Originate(String channel) { this.channel = channel; }

    /** Dial {@code channel}; when answered, continue at {@code exten@context} priority 1. */
    public static Originate toExtension(String channel, String context, String exten) {
        Originate o = new Originate(channel);
        o.context = context;
        o.exten = exten;
        return o;
    }

    /** Dial {@code channel}; when answered, run {@code application(data)} (e.g. {@code AGI}, {@code agi:async}). */
    public static Originate toApplication(String channel, String application, String data) {
        Originate o = new Originate(channel);
        o.application = application;
        o.data = data;
        return o;
    }

    public Originate priority(int p) { priority = p; return this; }

    /** e.g. {@code "Carol" <15550001111>}. */
    public Originate callerId(String v) { callerId = v; return this; }

    public Originate account(String v) { account = v; return this; }

    /** Sets the Uniqueid of the new channel ({@code ChannelId}). */
    public Originate channelId(String v) { channelId = v; return this; }

    /** How long to ring ({@code Timeout}, default 30 s). */
    public Originate timeout(Duration v) { timeout = v; return this; }

    /** A channel variable ({@code Variable: name=value}); may be repeated. */
    public Originate variable(String name, String value) {
        variables.add(Map.entry(name, value));
        return this;
    }

    /** The ring timeout (Asterisk's default 30 s when not set). */
    public Duration timeout() { return timeout == null ? Duration.ofSeconds(30) : timeout; }

    AmiAction toAction() {
        AmiAction a = AmiAction.of("Originate").add("Channel", channel);
        if (application != null) {
            a.add("Application", application);
            if (data != null) a.add("Data", data);
        } else {
            a.add("Context", context).add("Exten", exten).add("Priority", Integer.toString(priority));
        }
        a.add("Async", "true");
        if (timeout != null) a.add("Timeout", Long.toString(timeout.toMillis()));
        a.addIfPresent("CallerID", callerId);
        a.addIfPresent("Account", account);
        a.addIfPresent("ChannelId", channelId);
        for (Map.Entry<String, String> v : variables) a.add("Variable", v.getKey() + "=" + v.getValue());
        return a;
    }
}
