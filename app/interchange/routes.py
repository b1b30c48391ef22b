"""Download any filtered view; upload a file to import (contributors and editors)."""
import os
import tempfile

from flask import (Response, abort, current_app, render_template, request, send_file,
                   stream_with_context)
from flask_babel import get_locale, gettext as _
from flask_login import current_user, login_required

from app.incidents import policy
from app.incidents.taxonomy import country_names, vector_choices
from app.interchange import bp, examples, export, importer
from app.interchange.formats import FORMATS
from app.interchange.forms import ImportForm
from app.main.routes import parse_request_filters


@bp.get("/export/incidents.<fmt>")
def download(fmt):
    """The incidents of the filtered view in ``fmt``, streamed as they are read."""
    if fmt not in FORMATS:
        abort(404, _("No export format %(fmt)s; use one of %(names)s.", fmt=fmt,
                     names=", ".join(FORMATS)))
    filters = parse_request_filters()
    filename = f"incidents.{FORMATS[fmt].extension}"
    if FORMATS[fmt].to_path:
        return _file_download(fmt, filters, filename)
    body = stream_with_context(export.stream_text(fmt, filters, current_user))
    # content_type, not mimetype: a media type naming its charset gets no second one.
    return Response(body, content_type=FORMATS[fmt].media_type, headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store" if current_user.is_authenticated else "public, max-age=60"})


def _file_download(fmt, filters, filename):
    # A GeoPackage is an SQLite file: it is written to a temporary file in
    # bounded-memory batches, then streamed and removed.
    handle, path = tempfile.mkstemp(suffix="." + FORMATS[fmt].extension)
    os.close(handle)
    try:
        export.export_to_path(path, fmt, filters, current_user)
        stream = open(path, "rb")
    finally:
        os.remove(path)  # the open handle keeps the data until it is closed (POSIX)
    # A file object has no size for send_file, which would then advertise Range
    # support yet answer a Range request with the whole body (GDAL's /vsicurl/
    # reads a GeoPackage by ranges): the size comes from the open file.
    response = send_file(stream, mimetype=FORMATS[fmt].media_type, as_attachment=True,
                         download_name=filename, max_age=0, conditional=False)
    response.content_length = os.fstat(stream.fileno()).st_size
    return response.make_conditional(request, accept_ranges=True,
                                     complete_length=response.content_length)


@bp.route("/import", methods=["GET", "POST"])
@login_required
def upload():
    """Upload a file: preview (dry run) or import it all or nothing, with the full report."""
    if not policy.can_create(current_user):
        abort(403, _("Only contributors, editors and admins import incidents."))
    form = ImportForm()
    result, problem = None, None
    if form.validate_on_submit():
        upload_file = form.file.data
        try:
            fmt = form.format.data or importer.detect_format(upload_file.filename or "")
            result = importer.import_stream(upload_file.stream, fmt=fmt, user=current_user,
                                            publish=form.publish.data,
                                            dry_run=form.dry_run.data)
        except (importer.FormatError, importer.PermissionDenied) as exc:
            problem = exc.localised()
    status = 422 if problem or (result is not None and not result.ok) else 200
    if form.errors and request.method == "POST":
        status = 400
    lang = str(get_locale())
    return render_template("interchange/import.html", form=form, result=result,
                           problem=problem, can_publish=policy.can_publish(current_user),
                           max_upload=current_app.config["MAX_CONTENT_LENGTH"],
                           formats=FORMATS.values(), example_formats=examples.EXAMPLE_FORMATS,
                           vector_labels=dict(vector_choices(lang)) if result else {},
                           country_names=country_names(lang) if result else {}), status


@bp.get("/import/example.<fmt>")
def example(fmt):
    """An example file in ``fmt`` with the columns the import page lists (it imports cleanly)."""
    if fmt not in examples.EXAMPLE_FORMATS:
        abort(404, _("No example file in %(fmt)s; use one of %(names)s.", fmt=fmt,
                     names=", ".join(examples.EXAMPLE_FORMATS)))
    text, media_type, filename = examples.example_file(fmt)
    return Response(text, content_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})
