package org.tinyphone.ari;

/**
 * A channel that carries a call's audio to or from a media server ({@code POST /channels/externalMedia}).
 * Captured forms (10a, 10c): {@code audiosocket(app, "127.0.0.1:18093", "slin16", uuid)} makes Asterisk connect to
 * an AudioSocket server; {@code websocket(app, "media_out", "slin16")} makes it connect to the
 * {@code websocket_client.conf} connection named {@code media_out}; with {@code connectionType("server")} and no
 * host the app connects to Asterisk's {@code /media/<MEDIA_WEBSOCKET_CONNECTION_ID>}.
 *
 * @param data for AudioSocket: the UUID Asterisk sends as the first frame (and as the StasisStart args)
 * @param channelId null lets the client choose one
 */
public record ExternalMedia(String app, String externalHost, String encapsulation, String transport, String connectionType,
                            String format, String direction, String data, String transportData, String channelId) {
    public ExternalMedia {
        if (app == null || app.isEmpty()) throw new IllegalArgumentException("externalMedia needs the app its channel enters");
    }

    public static ExternalMedia audiosocket(String app, String hostPort, String format, String uuid) {
        return new ExternalMedia(app, hostPort, "audiosocket", "tcp", null, format, null, uuid, null, null);
    }

    public static ExternalMedia websocket(String app, String websocketClientId, String format) {
        return new ExternalMedia(app, websocketClientId, "none", "websocket", null, format, null, null, null, null);
    }

    public static ExternalMedia rtp(String app, String hostPort, String format) {
        return new ExternalMedia(app, hostPort, "rtp", "udp", null, format, null, null, null, null);
    }

    public ExternalMedia connectionType(String v) { return new ExternalMedia(app, externalHost, encapsulation, transport, v, format, direction, data, transportData, channelId); }
    public ExternalMedia direction(String v) { return new ExternalMedia(app, externalHost, encapsulation, transport, connectionType, format, v, data, transportData, channelId); }
    public ExternalMedia transportData(String v) { return new ExternalMedia(app, externalHost, encapsulation, transport, connectionType, format, direction, data, v, channelId); }
    public ExternalMedia channelId(String v) { return new ExternalMedia(app, externalHost, encapsulation, transport, connectionType, format, direction, data, transportData, v); }
}
