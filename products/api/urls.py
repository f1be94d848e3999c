"""This app's API routes, mounted under /api/v1/ by traceability/api/urls.py."""

from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("product-categories", views.ProductCategoryViewSet, basename="product-category")
router.register("product-models", views.ProductModelViewSet, basename="product-model")
router.register("certificates", views.CertificateViewSet, basename="certificate")
router.register("batches", views.BatchViewSet, basename="batch")
router.register("units", views.UnitViewSet, basename="unit")
router.register("containers", views.ContainerViewSet, basename="container")
router.register("holdings", views.HoldingViewSet, basename="holding")
router.register("shipments", views.ShipmentViewSet, basename="shipment")
router.register("workers", views.WorkerViewSet, basename="worker")
router.register("events", views.EventViewSet, basename="event")

urlpatterns = router.urls
