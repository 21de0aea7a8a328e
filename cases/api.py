"""Case API of this app: the thread. The case itself, which shows its current escalation,
is served by escalations.case_api. Views validate, call a service, serialize: nothing more."""

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from cases import selectors, services
from cases.serializers import CommentCreateSerializer, CommentSerializer, ErrorSerializer

ERROR_DESCRIPTIONS = {
    400: "Invalid input: `errors` gives the messages for each field.",
    403: "Not signed in, or not allowed to do this.",
    404: "No such object, or not one this user may see.",
    409: "Refused by the rules for now: `code` says why, `available_at` when it becomes possible (if ever).",
    413: "The request body is larger than the portal accepts.",
}


def error_responses(*statuses) -> dict:
    """The error answers an operation documents, all in the one ``{code, detail}`` shape."""
    return {status: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[status]) for status in statuses}


def get_visible_case(request, case_id, cases=None):
    """The case if this user may see it; 404 otherwise, never a hint that it exists.

    ``cases`` says what to load with it (by default what every case answer shows).
    """
    if cases is None:
        cases = selectors.cases_to_show()
    case = selectors.visible_case(request.user, case_id, cases)
    if case is None:
        raise Http404("No such case.")
    return case


class CaseCommentsApi(generics.GenericAPIView):
    serializer_class = CommentSerializer
    pagination_class = None
    # The service a post calls; escalations.case_api serves the route with one that also tells
    # an escalation's reviewers of a customer's reply.
    comment_service = staticmethod(services.comment_create)

    @extend_schema(responses={200: CommentSerializer(many=True), **error_responses(403, 404)})
    def get(self, request, case_id):
        case = get_visible_case(request, case_id)
        return Response(CommentSerializer(selectors.visible_comments(case, request.user), many=True).data)

    @extend_schema(
        request=CommentCreateSerializer, responses={201: CommentSerializer, **error_responses(400, 403, 404, 413)}
    )
    def post(self, request, case_id):
        case = get_visible_case(request, case_id)
        data = CommentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = self.comment_service(case=case, user=request.user, **data.validated_data)
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)
