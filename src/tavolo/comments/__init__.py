"""Comments: discussion threads on items, optionally anchored to a quoted passage.

* ``models``: the comments and the folders' comment policies;
* ``anchors``: the item's plain text and whether a quoted passage is still in it;
* ``policy``: whether an item has comments (its type, overridden by the nearest folder);
* ``service``: posting, replying, editing, deleting and moderating, with their rules;
* ``threads``: what a page shows of a discussion, for whom, a page of threads at a time;
* ``notices``: who hears about a new comment (through ``tavolo.notify``);
* ``views`` and ``policy_views``: the web.

Nothing is imported here at the top: ``tavolo.models`` imports ``comments.models`` while
the other domains' models are still being imported.
"""


def includeme(config):
    from tavolo.comments.threads import comments_section

    # Item pages ask for their discussion through the request (one macro in the shared
    # footer of every item page), so content needs no import of this package.
    config.add_request_method(comments_section, "comments_section")
    config.scan("tavolo.comments.views")
    config.scan("tavolo.comments.policy_views")
