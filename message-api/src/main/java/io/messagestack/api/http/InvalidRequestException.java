package io.messagestack.api.http;

import java.util.List;

/** The request is well-formed HTTP but its content is not acceptable: answered with 400. */
public class InvalidRequestException extends RuntimeException {

    private final List<FieldError> errors;

    public InvalidRequestException(String detail, List<FieldError> errors) {
        super(detail);
        this.errors = List.copyOf(errors);
    }

    public static InvalidRequestException missingBody() {
        return new InvalidRequestException("the request body is missing: send a JSON object", List.of());
    }

    public List<FieldError> errors() {
        return errors;
    }
}
