"""What a person may do, each action named for what it allows (and, in a comment, what it takes)."""

from enum import StrEnum


class Action(StrEnum):
    REGION_VIEW = "region.view"
    DIRECTORY_VIEW = "directory.view"  # the directory of offices and people
    REGISTRY_BROWSE = "registry.browse"  # the registry of ties: partnerships, documents, links
    ORGANIZATION_VIEW = "organization.view"  # an Organization
    ORGANIZATION_EDIT = "organization.edit"  # an Organization
    PERSON_VIEW = "person.view"  # a Person
    PERSON_VIEW_CONTACTS = "person.view_contacts"  # a Person
    PERSON_EDIT = "person.edit"  # a Person
    AUDIT_VIEW = "audit.view"
    TOKEN_MANAGE = "token.manage"  # an ApiToken, or None for one's own
    PARTNERSHIP_VIEW = "partnership.view"  # a Partnership
    PARTNERSHIP_OPEN = "partnership.open"  # in a Ukrainian Region, or None for some region
    PARTNERSHIP_EDIT = "partnership.edit"  # a Partnership
    EVENT_RECORD = "partnership.record_event"  # a Partnership
    DOCUMENT_ADD = "document.add"  # to a Partnership
    DOCUMENT_MANAGE = "document.manage"  # a Document: versions, submission, signing, closing
    DOCUMENT_REVIEW = "document.review"  # a Document
    REVIEW_QUEUE_VIEW = "document.review_queue"
    ACTIVITY_CREATE = "activity.create"  # under a Partnership or an InstitutionLink
    LINK_CREATE = "link.create"  # from a Ukrainian institution (an Organization), or None
    INSTITUTION_CREATE = "institution.create"  # in a Region, or None for some region
    THREAD_START = "thread.start"
    THREAD_VIEW = "thread.view"  # a Thread
    THREAD_INVITE = "thread.invite"  # into a Thread
    MEETING_CREATE = "meeting.create"
    MEETING_VIEW = "meeting.view"  # a Meeting
    MEETING_EDIT = "meeting.edit"  # a Meeting: its time, place, people; cancelling it
    MEETING_RECORD = "meeting.record"  # a Meeting: minutes, decisions, action items
    MEETING_RESPOND = "meeting.respond"  # a Meeting: accept, decline, maybe
    ACTION_CREATE = "action.create"  # from a message of a Thread
    ACTION_EDIT = "action.edit"  # an ActionItem: status, due date, title, owner
    OVERSIGHT_VIEW = "oversight.view"  # the dashboard: coordinators, ministries, the embassy
    BRIEFING_VIEW = "oversight.briefing"  # the briefing: those, and a region's staff (its part)
    POST_BROWSE = "post.browse"  # the lists of needs and offers
    POST_CREATE = "post.create"  # a need or an offer, for an Organization
    POST_VIEW = "post.view"  # a Post
    POST_EDIT = "post.edit"  # a Post: its text, fields and status
    POST_CONNECT = "post.connect"  # a (need, offer) pair of Posts: open a thread between them
    MATCHING_OVERVIEW = "matching.overview"  # unmatched needs by region and sphere
    TAXONOMY_EDIT = "taxonomy.edit"  # the bilingual topic taxonomy
