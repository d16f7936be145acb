package io.messagestack.operator.frontend;

import java.io.IOException;
import java.io.InputStream;

/** The fake API servers' request reading: the head up to the blank line, then a Content-Length body. */
final class HttpHead {
    private HttpHead() {
    }

    /** The request head, or what arrived of it when the connection ended early. */
    static String read(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            head.append((char) c);
        }
        return head.toString();
    }

    /** Reads the head and skips the body it announces; returns the head. */
    static String readRequest(InputStream in) throws IOException {
        int length = 0;
        String head = read(in);
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        in.readNBytes(length);
        return head;
    }

    /** One header's value in a request head, or null. */
    static String header(String head, String name) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }
}
