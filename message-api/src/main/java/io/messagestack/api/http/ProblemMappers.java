package io.messagestack.api.http;

import java.util.List;
import java.util.stream.Collectors;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import io.messagestack.api.database.DatabaseUnavailableException;
import io.messagestack.api.database.WriteConflictException;
import io.messagestack.api.message.IdempotencyKeyReusedException;
import io.messagestack.api.message.MessageNotFoundException;

/**
 * Every error leaves as application/problem+json naming the field or the reason; no stack
 * trace ever reaches a client.
 */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response invalid(InvalidRequestException e, UriInfo uri) {
        return problem(400, "Bad Request", e.getMessage(), uri, e.errors());
    }

    @ServerExceptionMapper
    public Response notFound(MessageNotFoundException e, UriInfo uri) {
        return problem(404, "Not Found", e.getMessage(), uri, List.of());
    }

    @ServerExceptionMapper
    public Response keyReused(IdempotencyKeyReusedException e, UriInfo uri) {
        return problem(422, "Unprocessable Content", e.getMessage(), uri,
                List.of(new FieldError("Idempotency-Key", "already used for different content")));
    }

    @ServerExceptionMapper
    public Response tooLarge(PayloadTooLargeException e, UriInfo uri) {
        return problem(413, "Payload Too Large", e.getMessage(), uri, List.of());
    }

    @ServerExceptionMapper
    public Response conflict(WriteConflictException e, UriInfo uri) {
        return problem(409, "Conflict", "the message was changed concurrently; retry the request", uri, List.of());
    }

    @ServerExceptionMapper
    public Response unavailable(DatabaseUnavailableException e, UriInfo uri) {
        Response response = problem(503, "Service Unavailable",
                "the database is not reachable right now; retry shortly", uri, List.of());
        return Response.fromResponse(response).header("Retry-After", "1").build();
    }

    @ServerExceptionMapper
    public Response json(JsonProcessingException e, UriInfo uri) {
        return jsonProblem(e, uri);
    }

    /** Declared for the exact types too, so that they win over Quarkus' built-in mappers. */
    @ServerExceptionMapper
    public Response jsonMismatch(MismatchedInputException e, UriInfo uri) {
        return jsonProblem(e, uri);
    }

    @ServerExceptionMapper
    public Response jsonMapping(JsonMappingException e, UriInfo uri) {
        return jsonProblem(e, uri);
    }

    @ServerExceptionMapper
    public Response jsonParse(JsonParseException e, UriInfo uri) {
        return jsonProblem(e, uri);
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, UriInfo uri) {
        Throwable cause = e.getCause();
        if (cause instanceof JsonProcessingException json) {
            return jsonProblem(json, uri);
        }
        if (cause instanceof PayloadTooLargeException tooLarge) {
            return tooLarge(tooLarge, uri);
        }
        Response original = e.getResponse();
        int status = original.getStatus();
        Response.StatusType type = Response.Status.fromStatusCode(status);
        String title = type == null ? "Error" : type.getReasonPhrase();
        String detail = switch (status) {
            case 404 -> "no such resource";
            case 405 -> "method not allowed here; allowed: " + allowedMethods(original, uri);
            case 415 -> "unsupported Content-Type; send application/json";
            case 406 -> "this resource answers application/json only";
            default -> e.getMessage();
        };
        Response response = problem(status, title, detail, uri, List.of());
        Response.ResponseBuilder builder = Response.fromResponse(response);
        if (status == 405) {
            builder.header(HttpHeaders.ALLOW, allowedMethods(original, uri));
        }
        return builder.build();
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e, UriInfo uri) {
        // Unwrap our own exceptions when a framework wrapped them.
        for (Throwable t = e.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
            if (t instanceof PayloadTooLargeException tooLarge) {
                return tooLarge(tooLarge, uri);
            }
            if (t instanceof JsonProcessingException json) {
                return jsonProblem(json, uri);
            }
        }
        LOG.errorf(e, "event=unexpected_error path=%s", uri == null ? "?" : uri.getPath());
        return problem(500, "Internal Server Error", "unexpected error; it has been logged", uri, List.of());
    }

    static Response jsonProblem(JsonProcessingException e, UriInfo uri) {
        if (e instanceof JsonParseException || !(e instanceof JsonMappingException)) {
            var location = e.getLocation();
            String where = location == null ? "" : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
            return problem(400, "Bad Request", "malformed JSON" + where, uri, List.of());
        }
        JsonMappingException mapping = (JsonMappingException) e;
        String field = fieldPath(mapping);
        if (field.isEmpty()) {
            return problem(400, "Bad Request", "the request body must be a JSON object", uri, List.of());
        }
        String expected = "a valid value";
        if (mapping instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null) {
            expected = describe(mismatch.getTargetType());
        }
        return problem(400, "Bad Request", "wrong type for '" + field + "'", uri,
                List.of(new FieldError(field, "must be " + expected)));
    }

    /** RESTEasy Reactive does not always fill Allow in its 405, so the API's own routes are known here. */
    private static String allowedMethods(Response original, UriInfo uri) {
        if (!original.getAllowedMethods().isEmpty()) {
            return original.getAllowedMethods().stream().sorted().collect(Collectors.joining(", "));
        }
        String path = uri == null ? "" : uri.getPath();
        if (path.matches("/?api/messages/?")) {
            return "GET, HEAD, OPTIONS, POST";
        }
        if (path.matches("/?api/messages/[^/]+/?")) {
            return "DELETE, GET, HEAD, OPTIONS, PATCH, PUT";
        }
        return "GET, HEAD, OPTIONS";
    }

    private static String fieldPath(JsonMappingException e) {
        return e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining("."));
    }

    private static String describe(Class<?> type) {
        if (type == String.class) {
            return "a string";
        }
        if (Number.class.isAssignableFrom(type) || type.isPrimitive()) {
            return "a number";
        }
        return "a JSON object";
    }

    static Response problem(int status, String title, String detail, UriInfo uri, List<FieldError> errors) {
        String instance = uri == null ? null : uri.getRequestUri().getRawPath();
        return Response.status(status)
                .type(Problem.MEDIA_TYPE)
                .entity(Problem.of(status, title, detail, instance, errors))
                .build();
    }
}
