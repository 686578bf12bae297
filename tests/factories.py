import factory

from regionbridge.accounts.models import User
from regionbridge.organizations.models import ContactChannel, Organization, Person
from regionbridge.organizations.services import organization_search_text, person_search_text
from regionbridge.regions.models import Country, Region

PASSWORD = "Correct-Horse-Battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name")
    language = "en"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        skip_postgeneration_save = True

    kind = "institution"
    name_en = factory.Sequence(lambda n: f"Test Institution {n}")
    name_uk = factory.Sequence(lambda n: f"Тестова установа {n}")
    region = factory.LazyFunction(lambda: Region.objects.get(code="UA-18"))
    country = factory.LazyAttribute(
        lambda o: o.region.country if o.region else Country.objects.get(code="UA")
    )

    @factory.post_generation
    def indexed(obj, create, extracted, **kwargs):
        obj.search_text = organization_search_text(obj)
        if create:
            obj.save()


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person
        skip_postgeneration_save = True

    name_en = factory.Faker("name")
    name_uk = factory.Sequence(lambda n: f"Особа {n}")
    title_en = "Officer"
    title_uk = "Посадова особа"
    organization = factory.SubFactory(OrganizationFactory)
    languages = "uk,en"

    @factory.post_generation
    def indexed(obj, create, extracted, **kwargs):
        obj.search_text = person_search_text(obj)
        if create:
            obj.save()


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactChannel

    person = factory.SubFactory(PersonFactory)
    kind = "email"
    value = factory.Sequence(lambda n: f"contact{n}@example.org")
