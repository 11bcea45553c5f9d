package org.tinyphone.ari;

import java.util.Map;

/**
 * A new outgoing channel ({@code POST /channels}): to {@code endpoint} ({@code PJSIP/100}, {@code Local/600@default}),
 * then into a Stasis {@code app} or to a dialplan {@code context/extension/priority}.
 *
 * @param channelId null lets the client choose one (it always sends one, so a repeated request cannot make two)
 * @param timeout   seconds to wait for an answer; null = Asterisk's 30
 * @param variables channel variables to set on the new channel
 */
public record Originate(String endpoint, String app, String appArgs, String context, String extension, Long priority,
                        String label, String callerId, Integer timeout, String channelId, String otherChannelId,
                        String originator, String formats, Map<String, String> variables) {
    public Originate {
        if (endpoint == null || endpoint.isEmpty()) throw new IllegalArgumentException("originate needs an endpoint");
        variables = variables == null ? Map.of() : Map.copyOf(variables);
    }

    /** A call to {@code endpoint} that enters the Stasis app {@code app} when answered. */
    public static Originate toApp(String endpoint, String app) {
        return new Originate(endpoint, app, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** A call to {@code endpoint} that runs the dialplan at {@code context,extension,1} when answered. */
    public static Originate toDialplan(String endpoint, String context, String extension) {
        return new Originate(endpoint, null, null, context, extension, 1L, null, null, null, null, null, null, null, null);
    }

    public Originate appArgs(String v) { return new Originate(endpoint, app, v, context, extension, priority, label, callerId, timeout, channelId, otherChannelId, originator, formats, variables); }
    public Originate callerId(String v) { return new Originate(endpoint, app, appArgs, context, extension, priority, label, v, timeout, channelId, otherChannelId, originator, formats, variables); }
    public Originate timeout(Integer v) { return new Originate(endpoint, app, appArgs, context, extension, priority, label, callerId, v, channelId, otherChannelId, originator, formats, variables); }
    public Originate channelId(String v) { return new Originate(endpoint, app, appArgs, context, extension, priority, label, callerId, timeout, v, otherChannelId, originator, formats, variables); }
    public Originate originator(String v) { return new Originate(endpoint, app, appArgs, context, extension, priority, label, callerId, timeout, channelId, otherChannelId, v, formats, variables); }
    public Originate variables(Map<String, String> v) { return new Originate(endpoint, app, appArgs, context, extension, priority, label, callerId, timeout, channelId, otherChannelId, originator, formats, v); }
}
