"""What an agency's operator and the secretariat have done before an apel, run by
``tests/nodes/test_several_nodes.py`` in a process of its own with a node's settings
(``python -m tests.nodes.provision COUNT``), straight to PostgreSQL as the owner does:
an agency with its seal key (written into ``SIGNING_KEYS_DIR``, which the test then
copies to the other worker machine, as an operator installs the keys on every worker
node), an open apel of ``COUNT`` invitations, an auditor and an operator with passwords.
Prints one line of JSON: the apel, each link with the fields its page shows, the staff."""

import json
import os
import sys

import django


def main(count):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "netralitas.settings")
    django.setup()
    from django.utils import timezone

    from ceremonies.models import Ceremony
    from pledges.pdf.certificates import create_dev_certificate
    from roster.models import StaffProfile
    from tests import factories
    from tests.inspektorat.conftest import invite

    agency = factories.agency(name="Pemerintah Provinsi Uji Beberapa Node", short_name="Pemprov Uji")
    create_dev_certificate(agency)
    ceremony = factories.ceremony(agency, status=Ceremony.Status.OPEN, starts_at=timezone.now())
    units = [factories.unit(agency, "Sekretariat Daerah"), factories.unit(agency, "Dinas Pendidikan")]
    invitations = invite(ceremony, count // 2, unit=units[0], name="Pegawai Setda")
    invitations += invite(ceremony, count - count // 2, unit=units[1], name="Pegawai Disdik")
    factories.user("inspektur", role=StaffProfile.Role.AUDITOR, supervised=[agency], password="sandi-inspektur-uji")
    factories.user("operator", role=StaffProfile.Role.OPERATOR, agency=agency, password="sandi-operator-uji")
    links = [{"token": i.token, **factories.shown_fields(i)} for i in invitations]
    print(
        json.dumps(
            {
                "ceremony": ceremony.pk,
                "links": links,
                "auditor": ["inspektur", "sandi-inspektur-uji"],
                "operator": ["operator", "sandi-operator-uji"],
            }
        )
    )


if __name__ == "__main__":
    main(int(sys.argv[1]))
