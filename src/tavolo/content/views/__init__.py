"""Display views of the content types: each type's page in the site's layout, and the
files' bytes served safely.

``pages`` holds the pages (home, folder, page, link, news, event, legislation, question),
``listings`` a folder shown as news or agenda, its month calendar and latest documents,
``files`` the file and image pages and downloads, ``display`` what their templates share.
"""

from tavolo.content.views.files import download_view, image_view, inline_view
from tavolo.content.views.pages import folder_view, page_view

__all__ = ["download_view", "folder_view", "image_view", "inline_view", "page_view"]
