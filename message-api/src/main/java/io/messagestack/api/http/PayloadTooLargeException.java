package io.messagestack.api.http;

/** The request body is larger than the service accepts. */
public class PayloadTooLargeException extends RuntimeException {

    public PayloadTooLargeException(long limitBytes) {
        super("the request body is larger than " + limitBytes + " bytes");
    }
}
