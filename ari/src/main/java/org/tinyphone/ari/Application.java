package org.tinyphone.ari;

import java.util.List;

/** A Stasis application as Asterisk knows it: what it is subscribed to. */
public record Application(String name, List<String> channelIds, List<String> bridgeIds, List<String> endpointIds,
                          List<String> deviceNames) {
    public Application {
        channelIds = channelIds == null ? List.of() : List.copyOf(channelIds);
        bridgeIds = bridgeIds == null ? List.of() : List.copyOf(bridgeIds);
        endpointIds = endpointIds == null ? List.of() : List.copyOf(endpointIds);
        deviceNames = deviceNames == null ? List.of() : List.copyOf(deviceNames);
    }
}
