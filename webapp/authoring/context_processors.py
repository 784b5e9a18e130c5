from webapp.authoring.permissions import is_faculty


def authoring(request):
    """`is_faculty` for the site header's Authoring link; evaluated (one query) only where a template asks."""
    return {"is_faculty": lambda: is_faculty(request.user)}
