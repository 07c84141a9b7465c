"""QA-TESTS (issue 15, group 19): a test class whose client or database comes from its base class in another
module (`class TestIndex(TestCaseUtils)`, the base a Django TestCase whose setUp builds an APIClient) is an
integration test, and so is a test method that sends requests through a client kept on the instance
(`self.auth_client.get(...)`, a mixin's host provides it). A plain class with no such base stays a unit test."""
import ast
import textwrap

from auditor.probes import testkinds

SUPPORT = textwrap.dedent('''
    import unittest

    from django.test import TestCase
    from rest_framework.test import APIClient


    class ApiTestCase(TestCase):
        def setUp(self):
            self.auth_client = APIClient()


    class ClientOnly(unittest.TestCase):
        def setUp(self):
            self.browser = APIClient()


    class PlainHelpers(unittest.TestCase):
        def assertOk(self, response):
            self.assertEqual(response.status_code, 200)


    class TestRequiresLogin:
        def test_requires_login(self):
            response = self.client.get(self.url)
            self.assertEqual(response.status_code, 403)
''')

TESTS = textwrap.dedent('''
    from common.testing import ApiTestCase, ClientOnly, PlainHelpers


    class TestIndex(ApiTestCase):
        def test_index(self):
            self.assertTrue(True)


    class TestDeeper(TestIndex):
        def test_more(self):
            self.assertTrue(True)


    class TestBrowser(ClientOnly):
        def test_title(self):
            self.assertEqual(self.title, "x")


    class TestSlug(PlainHelpers):
        def test_slugify(self):
            self.assertEqual("a-b", "a b".replace(" ", "-"))
''')


def kinds() -> dict[str, tuple[str, str]]:
    support, tests = ast.parse(SUPPORT), ast.parse(TESTS)
    inherited = testkinds.integration_classes([support, tests])
    found = testkinds.python_tests("common/testing.py", support, inherited=inherited) + \
        testkinds.python_tests("common/tests.py", tests, inherited=inherited)
    return {t.name: (t.kind, t.why) for t in found}


def test_a_base_class_in_another_module_makes_its_subclasses_integration_tests():
    found = kinds()
    assert found["test_index"] == (testkinds.INTEGRATION, "inherits ApiTestCase (TestCase test case)")
    assert found["test_more"][0] == testkinds.INTEGRATION and "inherits TestIndex" in found["test_more"][1]
    assert found["test_title"] == (testkinds.INTEGRATION, "inherits ClientOnly (setUp builds APIClient)")


def test_requests_through_a_client_on_the_instance_are_integration():
    assert kinds()["test_requires_login"] == (testkinds.INTEGRATION, "requests through self.client")


def test_a_base_with_no_client_or_database_leaves_unit_tests():
    assert kinds()["test_slugify"] == (testkinds.UNIT, "")
