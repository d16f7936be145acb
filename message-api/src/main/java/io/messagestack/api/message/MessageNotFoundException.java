package io.messagestack.api.message;

/** No message with that pk (or the pk is not a number, which cannot name one either). */
public class MessageNotFoundException extends RuntimeException {

    public MessageNotFoundException(String pk) {
        super("no message with pk '" + pk + "'");
    }
}
